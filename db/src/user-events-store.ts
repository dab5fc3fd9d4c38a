import { sql } from "drizzle-orm";
import { LIMITS, type BroadcastMention, type Message, type ReadState, type Room, type UserEvent } from "@parley/protocol";
import { NotMemberError, rowsOf } from "./message-inserts.ts";
import { messageOf, MESSAGE_FIELDS } from "./room-events-store.ts";
import { memberships, messages, roomSeq, userEvents, userSeq, users } from "./schema/index.ts";
import type { Database } from "./store.ts";

/**
 * What a message addresses, as the sender's worker read it from the body (parseMentions): names,
 * `@room` or `@here`, and for `@here` who was online when it was sent (presence is not in the database).
 */
export interface MentionRequest {
  usernames: string[];
  broadcast?: BroadcastMention;
  /** With `@here`: the ids of the users online in the room. */
  online?: string[];
}

/** A user-stream event and the user whose stream it is in. */
export interface AddressedUserEvent {
  userId: string;
  event: UserEvent;
}

export interface UserEventStore {
  /** The user's events with afterSeq < seq <= toSeq, in order, at most `limit` (the oldest). */
  userLog(userId: string, afterSeq: number, toSeq: number, limit: number): Promise<UserEvent[]>;
  /** Each user's newest user-stream seq (0 for a user with none). */
  userLastSeqs(userIds: string[]): Promise<Map<string, number>>;
  /**
   * `@here`, after the message was stored: a mention for each of `online` who is a member, not the
   * sender and not named in it (those have theirs already).
   */
  mentionOnline(message: Message, online: string[]): Promise<AddressedUserEvent[]>;
  /** Per room, the mentions of the user in messages past the room's seq in `after` (all, for a room not in it); rooms without any are left out. */
  mentionCounts(userId: string, after: Map<string, number>): Promise<Map<string, number>>;
  /**
   * Moves the user's read marker in a room forward to `seq` (at most the room's newest; a lower
   * seq changes nothing) and, when it moved, logs a `read` event in the user's stream, in one
   * transaction. Rejects with NotMemberError for a non-member.
   */
  markRead(userId: string, roomId: string, seq: number, at: Date): Promise<{ readState: ReadState; userEvents: AddressedUserEvent[] }>;
  /**
   * The user's read state in each of these rooms they are a member of (others are left out);
   * with `upTo`, only what lies at or below that room seq is counted (a subscription's `lastSeq`:
   * the client counts what comes after it as it arrives).
   */
  readStates(userId: string, roomIds: string[], upTo?: Map<string, number>): Promise<Map<string, ReadState>>;
}

/**
 * The read state of the user in the rooms: unread messages of others in each room's timeline (not
 * deleted) and mentions past the marker, each counted through the indexes up to LIMITS.unreadCountMax.
 */
async function readStatesOf(tx: Database, userId: string, roomIds: string[], upTo = new Map<string, number>()): Promise<Map<string, ReadState>> {
  if (roomIds.length === 0) return new Map();
  const cap = LIMITS.unreadCountMax;
  const limits = JSON.stringify(Object.fromEntries(roomIds.map((id) => [id, upTo.get(id) ?? Number.MAX_SAFE_INTEGER])));
  const rows = rowsOf<{ room_id: string; read_seq: number | string; unread: number | string; mentions: number | string }>(
    await tx.execute(sql`
      select m.room_id, m.read_seq,
        (select count(*) from (
          select 1 from ${messages} x
          where x.room_id = m.room_id and x.seq > m.read_seq and x.seq <= r.up_to::bigint and x.user_id <> m.user_id
            and x.deleted_at is null and (x.parent_id is null or x.also_to_room)
          limit ${cap}) t) as unread,
        (select count(*) from (
          select 1 from ${userEvents} e
          where e.user_id = m.user_id and e.room_id = m.room_id and e.kind = 'mention' and e.room_seq > m.read_seq and e.room_seq <= r.up_to::bigint
          limit ${cap}) t) as mentions
      from json_each_text(${limits}::json) as r(room_id, up_to)
      join ${memberships} m on m.room_id = r.room_id::uuid and m.user_id = ${userId}::uuid`),
  );
  return new Map(rows.map((r) => [r.room_id, { lastReadSeq: Number(r.read_seq), unreadCount: Number(r.unread), mentionCount: Number(r.mentions) }]));
}

/** True when the request can reach anyone, so the send needs the mention steps at all. */
export const addressesSomeone = (request: MentionRequest | undefined): request is MentionRequest =>
  request !== undefined && (request.usernames.length > 0 || request.broadcast !== undefined);

/**
 * Who a message reaches, among the room's members other than its sender: `named`, the members it
 * names (stored as its `mentions`), and `notified`, everyone who gets a mention event (the named,
 * all members for `@room`, those online for `@here`), sorted so that concurrent sends lock the
 * users' counters in one order.
 */
export async function mentionTargets(
  tx: Database,
  roomId: string,
  senderId: string,
  request: MentionRequest,
): Promise<{ named: string[]; notified: string[] }> {
  const names = JSON.stringify(request.usernames);
  const online = JSON.stringify(request.broadcast === "here" ? (request.online ?? []) : []);
  const everyone = request.broadcast === "room";
  const rows = rowsOf<{ user_id: string; named: boolean }>(
    await tx.execute(sql`
      select m.user_id, u.username_key in (select json_array_elements_text(${names}::json)) as named
      from ${memberships} m join ${users} u on u.id = m.user_id
      where m.room_id = ${roomId}::uuid and m.user_id <> ${senderId}::uuid
        and (${everyone}::boolean
          or u.username_key in (select json_array_elements_text(${names}::json))
          or m.user_id in (select json_array_elements_text(${online}::json)::uuid))
      order by m.user_id`),
  );
  return { named: rows.filter((r) => r.named).map((r) => r.user_id), notified: rows.map((r) => r.user_id) };
}

/** Gives each user a `mention` of the stored message at their next seq; part of the transaction that stores it. */
export async function logMentions(tx: Database, message: Message, userIds: string[]): Promise<AddressedUserEvent[]> {
  if (userIds.length === 0) return [];
  const rows = rowsOf<{ user_id: string; seq: number | string }>(
    await tx.execute(sql`
      with bumped as (
        insert into ${userSeq} (user_id, last_seq)
        select id::uuid, 1 from json_array_elements_text(${JSON.stringify(userIds)}::json) as t(id) order by 1
        on conflict (user_id) do update set last_seq = ${userSeq}.last_seq + 1
        returning user_id, last_seq
      )
      insert into ${userEvents} (user_id, seq, kind, room_id, message_id, room_seq, created_at)
      select user_id, last_seq, 'mention', ${message.roomId}::uuid, ${message.id}::uuid, ${message.seq}, ${message.createdAt}::timestamptz from bumped
      returning user_id, seq`),
  );
  return rows.map((r) => ({
    userId: r.user_id,
    event: { type: "userEvent", seq: Number(r.seq), kind: "mention", roomId: message.roomId, at: message.createdAt, message },
  }));
}

/** The user's next seq as `bumped(last_seq)`, taken by the statement that logs their event. */
const bumpedSeq = (userId: string) => sql`
  with bumped as (
    insert into ${userSeq} (user_id, last_seq) values (${userId}::uuid, 1)
    on conflict (user_id) do update set last_seq = ${userSeq}.last_seq + 1
    returning last_seq
  )`;

/** A `read` event at the user's next seq: their marker in the room moved to `readSeq`. */
async function logRead(tx: Database, userId: string, roomId: string, readSeq: number, at: Date): Promise<UserEvent> {
  const [row] = rowsOf<{ seq: number | string }>(
    await tx.execute(sql`
      ${bumpedSeq(userId)}
      insert into ${userEvents} (user_id, seq, kind, room_id, message_id, room_seq, created_at)
      select ${userId}::uuid, last_seq, 'read', ${roomId}::uuid, null, ${readSeq}, ${at.toISOString()}::timestamptz from bumped
      returning seq`),
  );
  return { type: "userEvent", seq: Number(row!.seq), kind: "read", roomId, at: at.toISOString(), readSeq };
}

/** jsonb, which arrives parsed or as text by driver. */
const jsonOf = (value: unknown): object => (typeof value === "string" ? (JSON.parse(value) as object) : (value as object));

/**
 * A `membership` event at each user's next seq: they were added to the room (with `room`, as they
 * now see it) or removed from it; part of the transaction that changed the membership. `room_seq`
 * is the room's seq at the time (nothing counts it).
 */
export async function logMembership(
  tx: Database,
  change: { roomId: string; membership: "added" | "removed" | "left"; at: Date },
  recipients: Array<{ userId: string; room?: Room }>,
): Promise<AddressedUserEvent[]> {
  const out: AddressedUserEvent[] = [];
  // In id order, like logMentions, so concurrent changes lock the users' counters in one order.
  for (const { userId, room } of [...recipients].sort((a, b) => (a.userId < b.userId ? -1 : 1))) {
    const data = { membership: change.membership, ...(room ? { room } : {}) };
    const [row] = rowsOf<{ seq: number | string }>(
      await tx.execute(sql`
        ${bumpedSeq(userId)}
        insert into ${userEvents} (user_id, seq, kind, room_id, message_id, room_seq, data, created_at)
        select ${userId}::uuid, last_seq, 'membership', ${change.roomId}::uuid, null,
          coalesce((select last_seq from ${roomSeq} where room_id = ${change.roomId}::uuid), 0), ${JSON.stringify(data)}::jsonb, ${change.at.toISOString()}::timestamptz
        from bumped returning seq`),
    );
    out.push({ userId, event: { type: "userEvent", seq: Number(row!.seq), kind: "membership", roomId: change.roomId, at: change.at.toISOString(), ...data } });
  }
  return out;
}

/** Reading users' streams (see UserEventStore). */
export function userEventMethods(db: Database): UserEventStore {
  return {
    async userLog(userId, afterSeq, toSeq, limit) {
      const rows = rowsOf<Record<string, unknown>>(
        await db.execute(sql`
          select e.seq as event_seq, e.kind, e.created_at as event_at, e.room_id as event_room, e.room_seq as event_room_seq, e.data as event_data,
            mm.user_id is not null as still_member, ${MESSAGE_FIELDS}
          from ${userEvents} e
          left join ${memberships} mm on mm.room_id = e.room_id and mm.user_id = e.user_id
          left join ${messages} m on m.room_id = e.room_id and m.id = e.message_id and mm.user_id is not null
          left join ${users} u on u.id = m.user_id
          where e.user_id = ${userId}::uuid and e.seq > ${afterSeq} and e.seq <= ${toSeq}
          order by e.seq limit ${limit}`),
      );
      return rows.map((r): UserEvent => {
        const base = { type: "userEvent" as const, seq: Number(r.event_seq), roomId: r.event_room as string, at: new Date(r.event_at as string).toISOString() };
        if (r.kind === "read") return { ...base, kind: "read", readSeq: Number(r.event_room_seq) };
        if (r.kind === "membership") return { ...base, kind: "membership", ...jsonOf(r.event_data) };
        // A room the user has left since: its seq stays (no gap), its message is no longer theirs to read.
        return r.still_member ? { ...base, kind: "mention", message: messageOf(r) } : { ...base, kind: "mention" };
      });
    },

    mentionOnline: (message, online) =>
      db.transaction(async (tx) => {
        const { notified } = await mentionTargets(tx, message.roomId, message.user.id, { usernames: [], broadcast: "here", online });
        const named = new Set(message.mentions ?? []);
        return logMentions(
          tx,
          message,
          notified.filter((id) => !named.has(id)),
        );
      }),

    markRead: (userId, roomId, seq, at) =>
      db.transaction(async (tx) => {
        const [row] = rowsOf<{ read_seq: number | string; last_seq: number | string }>(
          await tx.execute(sql`
            select m.read_seq, s.last_seq from ${memberships} m join ${roomSeq} s on s.room_id = m.room_id
            where m.room_id = ${roomId}::uuid and m.user_id = ${userId}::uuid for update of m`),
        );
        if (!row) throw new NotMemberError(roomId);
        const target = Math.min(seq, Number(row.last_seq));
        let userEvents: AddressedUserEvent[] = [];
        if (target > Number(row.read_seq)) {
          await tx.execute(sql`update ${memberships} set read_seq = ${target} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid`);
          userEvents = [{ userId, event: await logRead(tx, userId, roomId, target, at) }];
        }
        return { readState: (await readStatesOf(tx, userId, [roomId])).get(roomId)!, userEvents };
      }),

    readStates: (userId, roomIds, upTo) => readStatesOf(db, userId, roomIds, upTo),

    async userLastSeqs(userIds) {
      const out = new Map(userIds.map((id) => [id, 0]));
      if (userIds.length === 0) return out;
      const rows = rowsOf<{ user_id: string; last_seq: number | string }>(
        await db.execute(
          sql`select user_id, last_seq from ${userSeq} where user_id in (select json_array_elements_text(${JSON.stringify(userIds)}::json)::uuid)`,
        ),
      );
      for (const r of rows) out.set(r.user_id, Number(r.last_seq));
      return out;
    },

    async mentionCounts(userId, after) {
      const rows = rowsOf<{ room_id: string; count: number | string }>(
        await db.execute(sql`
          select e.room_id, count(*) as count from ${userEvents} e
          left join json_each_text(${JSON.stringify(Object.fromEntries(after))}::json) as read(room_id, seq) on read.room_id::uuid = e.room_id
          where e.user_id = ${userId}::uuid and e.kind = 'mention' and e.room_seq > coalesce(read.seq::bigint, 0)
          group by e.room_id`),
      );
      return new Map(rows.map((r) => [r.room_id, Number(r.count)]));
    },
  };
}
