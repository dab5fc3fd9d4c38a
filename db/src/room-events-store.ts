import { sql, type SQL } from "drizzle-orm";
import type { Message, ReactionSummary, RoomEvent, User } from "@parley/protocol";
import { NotMemberError, rowsOf } from "./message-inserts.ts";
import { memberships, messages, reactions, roomEvents, roomSeq, rooms, users } from "./schema/index.ts";
import type { Database } from "./store.ts";
import { attachmentFields, detachUploads } from "./upload-store.ts";
import { logMentions, mentionTargets, type AddressedUserEvent } from "./user-events-store.ts";

/** A room's stream in seq order: messages (their creation) and the events about them. */
export type RoomLogEntry = Message | RoomEvent;

/** Why an edit, deletion or reaction changed nothing: the message is unknown, not the caller's to change, or deleted. */
export class EventRefused extends Error {
  constructor(
    readonly code: "not_found" | "forbidden" | "conflict",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The result of an edit or deletion: the message as it is now, the event when something changed,
 * and the mentions of users an edit newly names.
 */
export interface MessageChange {
  message: Message;
  event?: RoomEvent;
  userEvents?: AddressedUserEvent[];
  /** A deletion: the ids of the uploads it deleted, whose bytes the caller deletes from file storage. */
  removedUploads?: string[];
}

/** The result of a reaction toggle: the message's reactions now, and the event when something changed. */
export interface ReactionChange {
  reactions: ReactionSummary[];
  event?: RoomEvent;
}

export interface RoomEventStore {
  /**
   * Replaces the body of the caller's own message. `usernames`: the names the new body mentions
   * (parseMentions): its `mentions` become those members, and those it did not name before get a mention.
   */
  editMessage(input: { roomId: string; messageId: string; user: User; body: string; at: Date; usernames?: string[] }): Promise<MessageChange>;
  /**
   * Deletes a message (its author's, or any for the room's owners and moderators and, in a room that
   * is not a DM, a server admin): the body is gone, a tombstone stays.
   */
  deleteMessage(input: { roomId: string; messageId: string; user: User; at: Date }): Promise<MessageChange>;
  /** Adds (`on`) or takes back the caller's reaction. */
  react(input: { roomId: string; messageId: string; user: User; emoji: string; on: boolean; at: Date }): Promise<ReactionChange>;
  /** The room's messages and events with afterSeq < seq <= toSeq, in seq order, at most `limit` (the oldest). */
  log(roomId: string, afterSeq: number, toSeq: number, limit: number): Promise<RoomLogEntry[]>;
  /** Who reacted to a message with what; null for an unknown message. */
  reactionsOf(roomId: string, messageId: string, viewerId: string): Promise<Array<ReactionSummary & { users: User[] }> | null>;
  /** The bodies a message had before each of its edits, oldest first; null for an unknown message. */
  editsOf(roomId: string, messageId: string): Promise<Array<{ body: string; editedAt: string }> | null>;
  /** The messages of a room, each with its reaction summary for `viewerId` (as they are, without reactions). */
  withReactions(roomId: string, messages: Message[], viewerId: string): Promise<Message[]>;
}

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

/** The thread fields of a message, present only when they say something. */
export const threadFields = (r: { parentId: string | null; alsoToRoom: boolean; replyCount: number; lastReplyAt: Date | string | null }) => ({
  ...(r.parentId ? { parentId: r.parentId } : {}),
  ...(r.alsoToRoom ? { alsoToRoom: true } : {}),
  ...(r.replyCount > 0 ? { replyCount: Number(r.replyCount) } : {}),
  ...(r.lastReplyAt ? { lastReplyAt: new Date(r.lastReplyAt).toISOString() } : {}),
});

/** A message's `mentions` field, present only when it names someone (jsonb arrives parsed or as text, by driver). */
export const mentionFields = (value: unknown): { mentions?: string[] } => {
  const ids = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(ids) && ids.length > 0 ? { mentions: ids as string[] } : {};
};

/** A messages row (joined with its author) as the protocol's Message: `editedAt` once edited, `deleted` for a tombstone. */
export function messageOf(r: Row): Message {
  return {
    id: r.id as string,
    roomId: r.room_id as string,
    seq: Number(r.seq),
    user: { id: r.user_id as string, username: r.username as string },
    body: r.body as string,
    clientId: (r.client_id as string | null) ?? null,
    createdAt: iso(r.created_at),
    ...(r.edited_at ? { editedAt: iso(r.edited_at) } : {}),
    ...(r.deleted_at ? { deleted: true } : {}),
    ...threadFields({
      parentId: (r.parent_id as string | null) ?? null,
      alsoToRoom: Boolean(r.also_to_room),
      replyCount: Number(r.reply_count ?? 0),
      lastReplyAt: (r.last_reply_at as string | null) ?? null,
    }),
    ...mentionFields(r.mentions),
    ...attachmentFields(r.attachments),
  };
}

/** A room_events row (joined with the acting user) as the protocol's event frame. */
function eventOf(r: Row): RoomEvent {
  const kind = r.kind as RoomEvent["kind"];
  const base = { type: "event" as const, roomId: r.room_id as string, seq: Number(r.seq), kind, at: iso(r.created_at) };
  // Events about members and the room carry their payload as stored (jsonb arrives parsed or as text, by driver).
  if (r.data) return { ...base, ...(typeof r.data === "string" ? (JSON.parse(r.data) as object) : (r.data as object)) };
  const messageId = r.message_id as string;
  if (kind === "message.edited") return { ...base, message: { id: messageId, body: (r.body as string | null) ?? "", editedAt: iso(r.created_at) } };
  if (kind === "message.deleted") return { ...base, message: { id: messageId, body: "", deleted: true } };
  return { ...base, reaction: { messageId, emoji: r.emoji as string, user: { id: r.user_id as string, username: r.username as string } } };
}

/** The columns messageOf reads, from `messages m` joined with `users u`. */
export const MESSAGE_FIELDS = sql.raw(
  "m.id, m.room_id, m.seq, m.user_id, u.username, m.body, m.client_id, m.created_at, m.edited_at, m.deleted_at, m.parent_id, m.also_to_room, m.reply_count, m.last_reply_at, m.mentions, m.attachments",
);

const messageSelect = (where: SQL) => sql`
  select ${MESSAGE_FIELDS} from ${messages} m join ${users} u on u.id = m.user_id where ${where}`;

/** The room's next seq (the room_seq row lock orders it with every send to the room). */
export async function nextSeq(tx: Database, roomId: string): Promise<number> {
  const [row] = rowsOf<{ last_seq: number | string }>(
    await tx.execute(sql`update ${roomSeq} set last_seq = last_seq + 1 where room_id = ${roomId} returning last_seq`),
  );
  if (!row) throw new EventRefused("not_found", "no such room");
  return Number(row.last_seq);
}

/**
 * The message and what the caller may do to it, with its row locked until the transaction ends
 * (`for update` for edits and deletions, `for share` for reactions): refuses an unknown message
 * and a caller who is not a member (unless `moderatorsToo`, for a server admin who moderates the room
 * without being in it). `moderates`: the caller is the room's owner or moderator, or a server admin in
 * a room that is not a DM.
 */
async function lockMessage(tx: Database, roomId: string, messageId: string, userId: string, mode: "update" | "share", moderatorsToo = false) {
  const lock = mode === "update" ? sql`for update of m` : sql`for share of m`;
  const [row] = rowsOf<Row>(
    await tx.execute(sql`
      select ${MESSAGE_FIELDS},
        exists (select 1 from ${memberships} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid and role in ('owner', 'moderator'))
          or (r.kind <> 'dm' and exists (select 1 from ${users} where id = ${userId}::uuid and role = 'admin')) as moderates,
        exists (select 1 from ${memberships} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid) as member
      from ${messages} m join ${users} u on u.id = m.user_id join ${rooms} r on r.id = m.room_id
      where m.room_id = ${roomId}::uuid and m.id = ${messageId}::uuid ${lock}`),
  );
  if (!row) throw new EventRefused("not_found", "no such message");
  if (!row.member && !(moderatorsToo && row.moderates)) throw new NotMemberError(roomId);
  return row;
}

async function insertEvent(
  tx: Database,
  e: { roomId: string; seq: number; kind: RoomEvent["kind"]; messageId: string; user: User; at: Date; emoji?: string; body?: string; previousBody?: string },
) {
  await tx.execute(sql`
    insert into ${roomEvents} (room_id, seq, kind, message_id, user_id, emoji, body, previous_body, created_at)
    values (${e.roomId}, ${e.seq}, ${e.kind}, ${e.messageId}, ${e.user.id}, ${e.emoji ?? null}, ${e.body ?? null}, ${e.previousBody ?? null}, ${e.at.toISOString()}::timestamptz)`);
  return eventOf({
    room_id: e.roomId,
    seq: e.seq,
    kind: e.kind,
    message_id: e.messageId,
    user_id: e.user.id,
    username: e.user.username,
    emoji: e.emoji,
    body: e.body,
    created_at: e.at,
  });
}

/** The edits, deletions, reactions and the merged log of the Store (see RoomEventStore). */
export function roomEventMethods(db: Database): RoomEventStore {
  const summaries = async (roomId: string, messageIds: string[], viewerId: string, from: Database = db) => {
    const out = new Map<string, ReactionSummary[]>();
    if (messageIds.length === 0) return out;
    const rows = rowsOf<{ message_id: string; emoji: string; count: number | string; me: boolean }>(
      await from.execute(sql`
        select message_id, emoji, count(*) as count, bool_or(user_id = ${viewerId}::uuid) as me
        from ${reactions} where room_id = ${roomId}::uuid and message_id in (select jsonb_array_elements_text(${JSON.stringify(messageIds)}::jsonb)::uuid)
        group by message_id, emoji order by message_id, min(created_at), emoji`),
    );
    for (const r of rows) {
      const list = out.get(r.message_id) ?? [];
      list.push({ emoji: r.emoji, count: Number(r.count), me: Boolean(r.me) });
      out.set(r.message_id, list);
    }
    return out;
  };
  const withReactions = async (roomId: string, page: Message[], viewerId: string, from: Database = db): Promise<Message[]> => {
    const found = await summaries(
      roomId,
      page.map((m) => m.id),
      viewerId,
      from,
    );
    return page.map((m) => (found.has(m.id) ? { ...m, reactions: found.get(m.id)! } : m));
  };

  return {
    editMessage: ({ roomId, messageId, user, body, at, usernames = [] }) =>
      db.transaction(async (tx) => {
        const row = await lockMessage(tx, roomId, messageId, user.id, "update");
        if (row.user_id !== user.id) throw new EventRefused("forbidden", "you can edit only your own messages");
        if (row.deleted_at) throw new EventRefused("conflict", "the message was deleted");
        const current = messageOf(row);
        if (row.body === body) return { message: (await withReactions(roomId, [current], user.id, tx))[0]! };
        const seq = await nextSeq(tx, roomId);
        const event = await insertEvent(tx, { roomId, seq, kind: "message.edited", messageId, user, at, body, previousBody: row.body as string });
        const before = new Set(current.mentions ?? []);
        const named = usernames.length > 0 ? (await mentionTargets(tx, roomId, user.id, { usernames })).named : [];
        await tx.execute(
          sql`update ${messages} set body = ${body}, edited_at = ${at.toISOString()}::timestamptz, mentions = ${named.length > 0 ? JSON.stringify(named) : null}::jsonb
              where room_id = ${roomId}::uuid and id = ${messageId}::uuid`,
        );
        const { mentions: _, ...rest } = current;
        const edited: Message = { ...rest, body, editedAt: at.toISOString(), ...mentionFields(named) };
        const userEvents = await logMentions(
          tx,
          edited,
          named.filter((id) => !before.has(id)),
        );
        return { message: (await withReactions(roomId, [edited], user.id, tx))[0]!, event, userEvents };
      }),

    deleteMessage: ({ roomId, messageId, user, at }) =>
      db.transaction(async (tx) => {
        const row = await lockMessage(tx, roomId, messageId, user.id, "update", true);
        const { attachments: _, ...kept } = messageOf(row);
        const tombstone: Message = { ...kept, body: "", deleted: true };
        if (row.deleted_at) return { message: tombstone };
        if (row.user_id !== user.id && !row.moderates) throw new EventRefused("forbidden", "you can delete only your own messages");
        const seq = await nextSeq(tx, roomId);
        const event = await insertEvent(tx, { roomId, seq, kind: "message.deleted", messageId, user, at });
        const target = sql`room_id = ${roomId}::uuid and message_id = ${messageId}::uuid`;
        await tx.execute(
          sql`update ${messages} set body = '', attachments = null, deleted_at = ${at.toISOString()}::timestamptz where room_id = ${roomId}::uuid and id = ${messageId}::uuid`,
        );
        // Its files go with it: the rows here, the bytes by the caller once this commits.
        const removedUploads = await detachUploads(tx, roomId, messageId);
        // The body is gone from the database: from the message and from its edit history.
        await tx.execute(sql`update ${roomEvents} set body = null, previous_body = null where ${target} and (body is not null or previous_body is not null)`);
        await tx.execute(sql`delete from ${reactions} where ${target}`);
        return { message: tombstone, event, ...(removedUploads.length > 0 ? { removedUploads } : {}) };
      }),

    react: ({ roomId, messageId, user, emoji, on, at }) =>
      db.transaction(async (tx) => {
        const row = await lockMessage(tx, roomId, messageId, user.id, "share");
        if (row.deleted_at) throw new EventRefused("conflict", "the message was deleted");
        const key = sql`room_id = ${roomId}::uuid and message_id = ${messageId}::uuid and emoji = ${emoji} and user_id = ${user.id}::uuid`;
        const changed = rowsOf(
          await tx.execute(
            on
              ? sql`insert into ${reactions} (room_id, message_id, emoji, user_id, created_at) values (${roomId}, ${messageId}, ${emoji}, ${user.id}, ${at.toISOString()}::timestamptz) on conflict do nothing returning 1`
              : sql`delete from ${reactions} where ${key} returning 1`,
          ),
        ).length;
        let event: RoomEvent | undefined;
        if (changed) {
          const seq = await nextSeq(tx, roomId);
          event = await insertEvent(tx, { roomId, seq, kind: on ? "reaction.added" : "reaction.removed", messageId, user, at, emoji });
        }
        return { reactions: (await summaries(roomId, [messageId], user.id, tx)).get(messageId) ?? [], event };
      }),

    async log(roomId, afterSeq, toSeq, limit) {
      const window = (table: SQL) => sql`${table}.room_id = ${roomId}::uuid and ${table}.seq > ${afterSeq} and ${table}.seq <= ${toSeq}`;
      const [created, events] = await Promise.all([
        db.execute(sql`${messageSelect(window(sql`m`))} order by m.seq limit ${limit}`),
        db.execute(sql`
          select e.room_id, e.seq, e.kind, e.message_id, e.user_id, u.username, e.emoji, e.body, e.created_at, e.data
          from ${roomEvents} e join ${users} u on u.id = e.user_id where ${window(sql`e`)} order by e.seq limit ${limit}`),
      ]);
      const entries: RoomLogEntry[] = [...rowsOf<Row>(created).map(messageOf), ...rowsOf<Row>(events).map(eventOf)];
      return entries.sort((a, b) => a.seq - b.seq).slice(0, limit);
    },

    async reactionsOf(roomId, messageId, viewerId) {
      const [exists] = rowsOf(await db.execute(sql`select 1 from ${messages} where room_id = ${roomId}::uuid and id = ${messageId}::uuid`));
      if (!exists) return null;
      const rows = rowsOf<{ emoji: string; user_id: string; username: string }>(
        await db.execute(sql`
          select r.emoji, r.user_id, u.username from ${reactions} r join ${users} u on u.id = r.user_id
          where r.room_id = ${roomId}::uuid and r.message_id = ${messageId}::uuid order by r.created_at, u.username_key`),
      );
      const byEmoji = new Map<string, ReactionSummary & { users: User[] }>();
      for (const r of rows) {
        const entry = byEmoji.get(r.emoji) ?? { emoji: r.emoji, count: 0, me: false, users: [] };
        entry.count++;
        entry.me ||= r.user_id === viewerId;
        entry.users.push({ id: r.user_id, username: r.username });
        byEmoji.set(r.emoji, entry);
      }
      return [...byEmoji.values()];
    },

    async editsOf(roomId, messageId) {
      const [exists] = rowsOf(await db.execute(sql`select 1 from ${messages} where room_id = ${roomId}::uuid and id = ${messageId}::uuid`));
      if (!exists) return null;
      const rows = rowsOf<{ previous_body: string | null; created_at: string | Date }>(
        await db.execute(sql`
          select previous_body, created_at from ${roomEvents}
          where room_id = ${roomId}::uuid and message_id = ${messageId}::uuid and kind = 'message.edited' order by seq`),
      );
      return rows.filter((r) => r.previous_body !== null).map((r) => ({ body: r.previous_body!, editedAt: iso(r.created_at) }));
    },

    withReactions: (roomId, page, viewerId) => withReactions(roomId, page, viewerId),
  };
}
