import { eq, sql } from "drizzle-orm";
import type { Upload } from "@parley/protocol";
import { rowsOf } from "./message-inserts.ts";
import { uploads } from "./schema/index.ts";
import type { Database } from "./store.ts";

/** An upload as stored: its shape, its owner, and the message that took it (null while unattached). */
export interface UploadRecord {
  upload: Upload;
  userId: string;
  createdAt: Date;
  roomId: string | null;
  messageId: string | null;
}

export type NewUpload = Upload & { userId: string; createdAt: Date };

/** Uploaded files' rows; their bytes live in file storage under the upload's id. */
export interface UploadStore {
  createUpload(upload: NewUpload): Promise<void>;
  /** The upload with this id; null when there is none. */
  findUpload(id: string): Promise<UploadRecord | null>;
  /**
   * Deletes (and answers the ids of) up to `limit` uploads never attached and made before `before`.
   * Rows another worker is sweeping at the same time are skipped, so each id is answered once.
   */
  sweepUploads(before: Date, limit: number): Promise<string[]>;
}

/**
 * A send named uploads it cannot have: unknown, someone else's, or already attached. `code` makes
 * it the API's 400; nothing was stored.
 */
export class AttachmentRefused extends Error {
  readonly code = "invalid_request";
  constructor() {
    super("attachments must be your own uploads, not attached to a message yet");
  }
}

/** A message's `attachments` field, present only when it has files (jsonb arrives parsed or as text, by driver). */
export const attachmentFields = (value: unknown): { attachments?: Upload[] } => {
  const files = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(files) && files.length > 0 ? { attachments: files as Upload[] } : {};
};

type UploadRow = { id: string; user_id: string; name: string; size: number | string; content_type: string; width: number | null; height: number | null };

const shapeOf = (r: UploadRow): Upload => ({
  id: r.id,
  name: r.name,
  size: Number(r.size),
  contentType: r.content_type,
  ...(r.width !== null && r.height !== null ? { width: r.width, height: r.height } : {}),
});

/**
 * The uploads a send names, locked for the transaction that stores it, in the order named.
 * AttachmentRefused unless every one is the sender's and unattached (checked after the insert by
 * `attachUploads`, so a repeated clientId meets its unique index first and gets its message back).
 */
export async function lockUploads(tx: Database, ids: string[]): Promise<Array<UploadRow & { message_id: string | null }>> {
  const rows = rowsOf<UploadRow & { message_id: string | null }>(
    await tx.execute(sql`
      select id, user_id, name, size, content_type, width, height, message_id from ${uploads}
      where id in (select (json_array_elements_text(${JSON.stringify(ids)}::json))::uuid) for update`),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The shapes a message stores of the uploads lockUploads found. */
export const attachmentsOf = (rows: UploadRow[]): Upload[] => rows.map(shapeOf);

/** Gives the locked uploads to the stored message, or refuses (rolling the send back) if one is not the sender's to give. */
export async function attachUploads(
  tx: Database,
  ids: string[],
  rows: Array<UploadRow & { message_id: string | null }>,
  message: { id: string; roomId: string; userId: string },
): Promise<void> {
  if (rows.length !== ids.length || rows.some((r) => r.user_id !== message.userId || r.message_id !== null)) throw new AttachmentRefused();
  await tx.execute(sql`
    update ${uploads} set room_id = ${message.roomId}::uuid, message_id = ${message.id}::uuid
    where id in (select (json_array_elements_text(${JSON.stringify(ids)}::json))::uuid)`);
}

/** Deletes a message's upload rows (in the transaction that deletes it); answers their ids, whose bytes are to go too. */
export async function detachUploads(tx: Database, roomId: string, messageId: string): Promise<string[]> {
  const rows = rowsOf<{ id: string }>(
    await tx.execute(sql`delete from ${uploads} where room_id = ${roomId}::uuid and message_id = ${messageId}::uuid returning id`),
  );
  return rows.map((r) => r.id);
}

export function uploadMethods(db: Database): UploadStore {
  return {
    async createUpload(u) {
      await db.insert(uploads).values({
        id: u.id,
        userId: u.userId,
        name: u.name,
        size: u.size,
        contentType: u.contentType,
        width: u.width ?? null,
        height: u.height ?? null,
        createdAt: u.createdAt,
      });
    },

    async findUpload(id) {
      const [row] = await db.select().from(uploads).where(eq(uploads.id, id));
      if (!row) return null;
      const upload = shapeOf({ ...row, user_id: row.userId, content_type: row.contentType });
      return { upload, userId: row.userId, createdAt: row.createdAt, roomId: row.roomId, messageId: row.messageId };
    },

    async sweepUploads(before, limit) {
      const rows = rowsOf<{ id: string }>(
        await db.execute(sql`
          delete from ${uploads} where id in (
            select id from ${uploads} where message_id is null and created_at < ${before.toISOString()}::timestamptz
            order by created_at limit ${limit} for update skip locked)
          returning id`),
      );
      return rows.map((r) => r.id);
    },
  };
}
