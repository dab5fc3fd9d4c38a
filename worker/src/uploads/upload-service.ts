import { LIMITS, type Upload, type User } from "@parley/protocol";
import { ApiError, type Clock, invalid, type Logger, notFound, TokenBuckets } from "@parley/common";
import type { Store } from "@parley/db";
import { uuidv7 } from "uuidv7";
import { rateLimited } from "../auth/auth-service.ts";
import type { FileStorage, StoredFile } from "../ports/file-storage.ts";
import { RoomGate } from "../rooms/room-gate.ts";
import { sniff } from "./file-types.ts";

/** Unattached uploads older than this are deleted by the sweep. */
export const UNATTACHED_TTL_MS = 24 * 3600 * 1000;
const SWEEP_BATCH = 100;

export interface UploadSettings {
  maxBytes: number;
  rate: { max: number; windowSeconds: number };
}

export const DEFAULT_UPLOAD_SETTINGS: UploadSettings = { maxBytes: 25 * 1024 * 1024, rate: { max: 30, windowSeconds: 60 } };

/**
 * Uploads: stored by their uploader (type sniffed, rate-limited), read by the uploader while
 * unattached and by the members of the room of the message that took them.
 */
export class UploadService {
  private readonly buckets: TokenBuckets;
  private readonly gate: RoomGate;

  constructor(
    private readonly store: Store,
    /** Absent where no file storage is configured (workerd without S3): uploads answer 503. */
    private readonly files: FileStorage | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly settings: UploadSettings,
  ) {
    // A burst holds one message's worth of files (perWindow's sixth would refuse the sixth of ten),
    // the rest refills over the window: still at most `max` in any window.
    const { max, windowSeconds } = settings.rate;
    const burst = Math.min(max, LIMITS.attachmentsMax);
    this.buckets = new TokenBuckets(burst, Math.max(max - burst, 1) / windowSeconds, clock);
    this.gate = new RoomGate(store);
  }

  /** 503 before anything is read, where there is nowhere to keep files. */
  storage(): FileStorage {
    if (!this.files) throw new ApiError("unavailable", "uploads need S3 storage here");
    return this.files;
  }

  /** 429 when the user uploaded too much lately (before the body is read). */
  admit(user: User): void {
    const decision = this.buckets.take(user.id);
    if (!decision.ok) throw rateLimited(decision, "uploads");
  }

  /** Stores a file for its uploader: bytes first, then the row, so a row never names missing bytes. */
  async create(user: User, name: string, bytes: Uint8Array): Promise<Upload> {
    const files = this.storage();
    if (bytes.byteLength === 0) throw invalid("the file is empty");
    const sniffed = await sniff(bytes);
    if (!sniffed) throw invalid("this file type is not allowed");
    const upload: Upload = { id: uuidv7(), name, size: bytes.byteLength, ...sniffed };
    await files.put(upload.id, bytes, upload.contentType);
    try {
      await this.store.createUpload({ ...upload, userId: user.id, createdAt: new Date(this.clock.now()) });
    } catch (error) {
      this.remove([upload.id]);
      throw error;
    }
    return upload;
  }

  /** The upload and its bytes, for a reader allowed to see them; 404 (or 403 in a public room the reader is not in) otherwise. */
  async open(viewer: User, id: string): Promise<{ upload: Upload; file: StoredFile }> {
    const files = this.storage();
    const record = await this.store.findUpload(id);
    if (!record) throw notFound("upload");
    if (record.messageId === null || record.roomId === null) {
      if (record.userId !== viewer.id) throw notFound("upload");
    } else {
      // The room's own rule (RoomGate), where "no such room" becomes "no such upload" for a stranger.
      await this.gate.member(record.roomId, viewer.id).catch((error: unknown) => {
        throw error instanceof ApiError && error.code === "not_found" ? notFound("upload") : error;
      });
    }
    const file = await files.get(id);
    if (!file) throw notFound("upload");
    return { upload: record.upload, file };
  }

  /** Deletes the bytes of uploads whose rows are gone (a deleted message's files); failures are logged, not thrown. */
  remove(ids: readonly string[]): void {
    if (!this.files || ids.length === 0) return;
    const files = this.files;
    void Promise.all(ids.map((id) => files.delete(id))).catch((err: unknown) => this.logger.warn({ err, ids }, "cannot delete uploaded files"));
  }

  /**
   * Deletes uploads never attached within UNATTACHED_TTL_MS: their rows (each claimed by one worker)
   * and then their bytes. Answers how many.
   */
  async sweep(): Promise<number> {
    const files = this.files;
    if (!files) return 0;
    const before = new Date(this.clock.now() - UNATTACHED_TTL_MS);
    let swept = 0;
    for (let ids; (ids = await this.store.sweepUploads(before, SWEEP_BATCH)).length > 0;) {
      await Promise.all(ids.map((id) => files.delete(id)));
      swept += ids.length;
      if (ids.length < SWEEP_BATCH) break;
    }
    return swept;
  }
}
