import { createSignal, type Accessor } from "solid-js";
import { LIMITS } from "@parley/protocol/client";
import { sizeOf } from "../lib/format.ts";
import type { Attachment, UploadOptions } from "../transport/file-transfer.ts";
import type { ApiError } from "../transport/http-client.ts";

/** The server's defaults (`UPLOAD_MAX_BYTES`, attachments per message): checked here for an immediate answer; the server's is the one that counts. */
export const UPLOAD_MAX_BYTES = 25 * 1024 * 1024;
export const ATTACHMENTS_MAX = LIMITS.attachmentsMax;

/** One file in a composer: uploading (with its progress), uploaded, or refused with the reason. */
export interface UploadItem {
  key: string;
  file: File;
  status: "uploading" | "done" | "failed";
  /** 0 to 1, while uploading. */
  progress: number;
  upload?: Attachment;
  error?: string;
  /** Whether trying again may help (a refused size or type will not). */
  retryable?: boolean;
  /** An image's own bytes as an object URL, for the chip's thumbnail. */
  thumbnail?: string;
}

/** The files of one composer (a room's, or a thread's), each uploading as soon as it is added. */
export interface UploadQueue {
  items: Accessor<readonly UploadItem[]>;
  /** Adds files and starts their uploads; answers a sentence when some were not taken (too many), also kept in `notice`. */
  add(files: Iterable<File>): string | undefined;
  /** Why the last files added (picked, pasted or dropped) were not all taken; cleared by the next change. */
  notice: Accessor<string | undefined>;
  /** Drops a file, cancelling its upload. */
  remove(key: string): void;
  retry(key: string): void;
  /** Any file still uploading: Send waits for it. */
  busy(): boolean;
  /** Every file uploaded (none uploading or failed) and at least one: the message may go without a body. */
  ready(): boolean;
  /** The uploaded files, taken out for a message: the queue is empty after. */
  take(): { attachment: Attachment; file: File }[];
}

export interface UploadsDeps {
  upload: (file: File, name: string, how: UploadOptions) => Promise<Attachment>;
  /** Hands a sent file's bytes to the file cache, so our own message shows it without fetching it back. */
  seed?: (id: string, file: File) => void;
  /** Object URLs for thumbnails: the browser's by default. */
  urls?: Pick<typeof URL, "createObjectURL" | "revokeObjectURL">;
}

/** Why the server (or the network) refused a file, in the chip's words. */
function reasonOf(error: ApiError): { error: string; retryable: boolean } {
  if (error.code === "rate_limited") return { error: `Uploading too fast. Wait ${error.retryAfter ?? "a few"} seconds, then retry.`, retryable: true };
  return { error: error.message, retryable: error.status === 0 || error.status >= 500 || error.status === 429 };
}

/** The upload queues of a chat, one per composer key (a room's id, a thread's key), kept across room switches. */
export function createUploadsStore({ upload, seed, urls = URL }: UploadsDeps) {
  const queues = new Map<string, UploadQueue & { clear(): void }>();
  let next = 0;

  function createQueue(): UploadQueue & { clear(): void } {
    const [items, setItems] = createSignal<readonly UploadItem[]>([]);
    const [notice, setNotice] = createSignal<string>();
    const running = new Map<string, AbortController>();
    const patch = (key: string, change: Partial<UploadItem>) => setItems((list) => list.map((i) => (i.key === key ? { ...i, ...change } : i)));

    function start(item: UploadItem) {
      if (item.file.size > UPLOAD_MAX_BYTES)
        return patch(item.key, { status: "failed", error: `Files can be at most ${sizeOf(UPLOAD_MAX_BYTES)}.`, retryable: false });
      const controller = new AbortController();
      running.set(item.key, controller);
      patch(item.key, { status: "uploading", progress: 0, error: undefined });
      upload(item.file, item.file.name || "pasted file", { signal: controller.signal, onProgress: (progress) => patch(item.key, { progress }) }).then(
        (attachment) => running.get(item.key) === controller && patch(item.key, { status: "done", progress: 1, upload: attachment }),
        (error: ApiError) => running.get(item.key) === controller && patch(item.key, { status: "failed", ...reasonOf(error) }),
      );
    }
    function drop(keys: Set<string>) {
      for (const item of items()) {
        if (!keys.has(item.key)) continue;
        const controller = running.get(item.key);
        running.delete(item.key);
        controller?.abort();
        if (item.thumbnail) urls.revokeObjectURL(item.thumbnail);
      }
      setItems((list) => list.filter((i) => !keys.has(i.key)));
    }

    return {
      items,
      add(files) {
        const all = [...files];
        const taken = all.slice(0, Math.max(0, ATTACHMENTS_MAX - items().length));
        const added = taken.map((file): UploadItem => ({
          key: `u${++next}`,
          file,
          status: "uploading",
          progress: 0,
          thumbnail: file.type.startsWith("image/") ? urls.createObjectURL(file) : undefined,
        }));
        setItems((list) => [...list, ...added]);
        added.forEach(start);
        const refused = taken.length < all.length ? `A message can carry at most ${ATTACHMENTS_MAX} files.` : undefined;
        setNotice(refused);
        return refused;
      },
      notice,
      remove: (key) => (setNotice(undefined), drop(new Set([key]))),
      retry(key) {
        const item = items().find((i) => i.key === key);
        if (item?.status === "failed" && item.retryable) start(item);
      },
      busy: () => items().some((i) => i.status === "uploading"),
      ready: () => items().length > 0 && items().every((i) => i.status === "done"),
      take() {
        const done = items().filter((i) => i.status === "done");
        setNotice(undefined);
        drop(new Set(done.map((i) => i.key)));
        done.forEach((i) => seed?.(i.upload!.id, i.file));
        return done.map((i) => ({ attachment: i.upload!, file: i.file }));
      },
      clear: () => drop(new Set(items().map((i) => i.key))),
    };
  }

  return {
    /** The queue of one composer, made when first asked for. */
    queue(key: string): UploadQueue {
      let queue = queues.get(key);
      if (!queue) queues.set(key, (queue = createQueue()));
      return queue;
    },
    /** Cancels everything (the chat closes). */
    clear() {
      queues.forEach((q) => q.clear());
      queues.clear();
    },
  };
}
export type UploadsStore = ReturnType<typeof createUploadsStore>;
