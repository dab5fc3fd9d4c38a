import { sql } from "drizzle-orm";
import type { Upload } from "@parley/protocol";
import { memberships, messages, roomSeq, rooms } from "./schema/index.ts";
import type { Database, NewMessage } from "./store.ts";

/** postgres.js returns the rows as the result, PGlite as `result.rows`. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? []));

const sqlStates = (error: unknown): string[] => {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (typeof e.code === "string") codes.push(e.code);
  return codes;
};

/** PostgreSQL's unique_violation, as postgres.js and PGlite report it (drizzle may wrap it in `cause`). */
export const isUniqueViolation = (error: unknown): boolean => sqlStates(error).includes("23505");

/**
 * A data exception (class 22) or integrity constraint violation (class 23): caused by what one
 * message holds, not by the connection, so a batch that hits one is retried message by message.
 */
export const isDataError = (error: unknown): boolean => sqlStates(error).some((code) => /^2[23][0-9A-Z]{3}$/.test(code));

const missingRoom = (roomId: string) => new Error(`room ${roomId} does not exist`);

/**
 * The sender is not (or no longer) a member of the room: nothing was stored. The insert checks
 * membership itself, so a send racing a leave cannot land after the leave was answered.
 */
export class NotMemberError extends Error {
  readonly code = "not_member";
  constructor(readonly roomId: string) {
    super(`not a member of room ${roomId}`);
  }
}

/** Why an insert stored nothing: the room is gone, or the sender is not in it. */
async function refused(db: Database, roomId: string): Promise<Error> {
  const rows = rowsOf(await db.execute(sql`select 1 from ${rooms} where id = ${roomId}::uuid`));
  return rows.length === 0 ? missingRoom(roomId) : new NotMemberError(roomId);
}

/**
 * Stores one message with the room's next seq and returns that seq. One statement, so one round
 * trip and atomic: the room's counter (room_seq) moves only if the insert succeeds, and its row lock orders
 * concurrent sends to the room. A repeated clientId fails on the unique index (23505), which rolls
 * the counter back too. The sender's membership is part of the same statement.
 */
export async function insertMessage(db: Database, m: NewMessage, mentionIds: string[] = [], files: Upload[] = []): Promise<number> {
  const mentions = mentionIds.length > 0 ? JSON.stringify(mentionIds) : null;
  const attachments = files.length > 0 ? JSON.stringify(files) : null;
  if (m.parentId) return insertReply(db, m, m.parentId, mentions, attachments);
  const result = await db.execute(sql`
    with next as (
      update ${roomSeq} set last_seq = last_seq + 1
      where room_id = ${m.roomId} and exists (select 1 from ${memberships} where room_id = ${m.roomId} and user_id = ${m.user.id})
      returning last_seq
    )
    insert into ${messages} (id, room_id, seq, user_id, body, client_id, created_at, mentions, attachments)
    select ${m.id}, ${m.roomId}, next.last_seq, ${m.user.id}, ${m.body}, ${m.clientId}, ${m.createdAt.toISOString()}::timestamptz, ${mentions}::jsonb, ${attachments}::jsonb from next
    returning seq`);
  const [row] = rowsOf<{ seq: number | string }>(result);
  if (!row) throw await refused(db, m.roomId);
  return Number(row.seq);
}

/**
 * A thread reply is a missing parent (not in the room, itself a reply, or deleted): nothing was
 * stored. `code` makes it the API's 404.
 */
export class NoSuchParentError extends Error {
  readonly code = "not_found";
  constructor() {
    super("no such message to reply to (it must be a message of the room that is not a reply, and not deleted)");
  }
}

/**
 * Stores a thread reply like insertMessage, in one statement that also counts it on its parent;
 * nothing is stored (and no seq taken) unless the parent is a live top-level message of the room.
 */
async function insertReply(db: Database, m: NewMessage, parentId: string, mentions: string | null, attachments: string | null): Promise<number> {
  const at = m.createdAt.toISOString();
  const result = await db.execute(sql`
    with parent as (
      update ${messages} set reply_count = reply_count + 1, last_reply_at = greatest(last_reply_at, ${at}::timestamptz)
      where room_id = ${m.roomId} and id = ${parentId}::uuid and parent_id is null and deleted_at is null
      returning id
    ), next as (
      update ${roomSeq} set last_seq = last_seq + 1
      where room_id = ${m.roomId} and exists (select 1 from parent)
        and exists (select 1 from ${memberships} where room_id = ${m.roomId} and user_id = ${m.user.id})
      returning last_seq
    )
    insert into ${messages} (id, room_id, seq, user_id, body, client_id, created_at, parent_id, also_to_room, mentions, attachments)
    select ${m.id}, ${m.roomId}, next.last_seq, ${m.user.id}, ${m.body}, ${m.clientId}, ${at}::timestamptz, ${parentId}::uuid, ${m.alsoToRoom ?? false}, ${mentions}::jsonb, ${attachments}::jsonb from next
    returning seq`);
  const [row] = rowsOf<{ seq: number | string }>(result);
  if (row) return Number(row.seq);
  const error = await refused(db, m.roomId);
  if (error instanceof NotMemberError && (await isMember(db, m.roomId, m.user.id))) throw new NoSuchParentError();
  throw error;
}

const isMember = async (db: Database, roomId: string, userId: string) =>
  rowsOf(await db.execute(sql`select 1 from ${memberships} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid`)).length > 0;

/**
 * Stores messages to one room in one statement, with consecutive seqs in array order, and returns
 * those seqs: all of them or none, exactly like `insertMessage` for each. The rows travel as one
 * JSON parameter, which both drivers pass as plain text (no array type handling involved). If any
 * sender is not a member, nothing is stored and NotMemberError asks for the sends one by one.
 */
export async function insertMessages(db: Database, roomId: string, batch: NewMessage[]): Promise<number[]> {
  const rows = JSON.stringify(
    batch.map((m, i) => ({ i: i + 1, id: m.id, user_id: m.user.id, body: m.body, client_id: m.clientId, created_at: m.createdAt.toISOString() })),
  );
  const result = await db.execute(sql`
    with input as (
      select * from json_to_recordset(${rows}::json) as t(i bigint, id uuid, user_id uuid, body text, client_id text, created_at timestamptz)
    ), next as (
      update ${roomSeq} set last_seq = last_seq + ${batch.length}::bigint
      where room_id = ${roomId}::uuid
        and (select count(distinct user_id) from input)
          = (select count(*) from ${memberships} where room_id = ${roomId}::uuid and user_id in (select user_id from input))
      returning last_seq - ${batch.length}::bigint as base
    )
    insert into ${messages} (id, room_id, seq, user_id, body, client_id, created_at)
    select input.id, ${roomId}::uuid, next.base + input.i, input.user_id, input.body, input.client_id, input.created_at
    from next cross join input order by input.i
    returning seq`);
  const seqs = rowsOf<{ seq: number | string }>(result).map((r) => Number(r.seq));
  if (seqs.length === 0) throw await refused(db, roomId);
  if (seqs.length !== batch.length) throw new Error(`stored ${seqs.length} of ${batch.length} messages`);
  // The seqs are base + 1 .. base + n, row i getting base + i; RETURNING's order is not promised.
  const first = Math.min(...seqs);
  return batch.map((_, i) => first + i);
}
