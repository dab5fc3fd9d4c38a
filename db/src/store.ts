import { and, asc, desc, eq, gt, ilike, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { MemberRole, Message, Room, RoomKind, RoomVisibility, Upload, User } from "@parley/protocol";
import { AppendBatcher, type AppendBatchOptions, type Appended } from "./append-batcher.ts";
import { idempotencyStore, type IdempotencyStore } from "./idempotency-store.ts";
import { refreshTokenMethods, type NewRefreshToken, type RefreshRotation } from "./refresh-token-store.ts";
import { NotMemberError, insertMessage, insertMessages, isDataError, isUniqueViolation, rowsOf } from "./message-inserts.ts";
import { mentionFields, roomEventMethods, threadFields, type RoomEventStore } from "./room-events-store.ts";
import { notificationMethods, type NotificationStore } from "./notification-store.ts";
import { searchMethods, type SearchStore } from "./search-store.ts";
import { memberMethods, type MemberStore } from "./member-store.ts";
import { accountMethods, type AccountStore } from "./account-store.ts";
import { addressesSomeone, logMentions, mentionTargets, userEventMethods, type MentionRequest, type UserEventStore } from "./user-events-store.ts";
import { attachmentFields, attachmentsOf, attachUploads, lockUploads, uploadMethods, type UploadStore } from "./upload-store.ts";
import * as schema from "./schema/index.ts";
import { memberships, messages, roomBans, roomSeq, rooms, users } from "./schema/index.ts";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A room as stored; the worker adds `onlineCount` from presence. */
export type RoomRecord = Omit<Room, "onlineCount">;

export interface UserWithHash extends User {
  passwordHash: string;
  /** Set while the account is locked (no sign-in); absent on a new user. */
  lockedAt?: string | null;
}

export interface NewMessage {
  id: string;
  roomId: string;
  user: User;
  body: string;
  clientId: string | null;
  createdAt: Date;
  /** A thread reply: its parent in the same room (a top-level message, not deleted). */
  parentId?: string;
  /** A reply also shown in the room's timeline. */
  alsoToRoom?: boolean;
  /** Whom the body addresses (parseMentions); resolved against the room's members when stored. */
  addressed?: MentionRequest;
  /** Upload ids the message takes: each the sender's own and unattached, or nothing is stored (AttachmentRefused). */
  attachments?: string[];
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

/** The persistence port of the worker: users, rooms, memberships, the ordered message log and idempotency keys. */
export interface Store extends IdempotencyStore, RoomEventStore, UserEventStore, NotificationStore, SearchStore, MemberStore, AccountStore, UploadStore {
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Stores a user; null when the username is taken (case-insensitively). The first user of the
   * server, and one made with `admin`, is a server admin (decided in the insert's transaction).
   */
  createUser(user: UserWithHash, options?: { admin?: boolean }): Promise<User | null>;
  findUserByName(username: string): Promise<UserWithHash | null>;
  findUser(id: string): Promise<User | null>;
  /** Stores a room and makes its creator its owner; null when the name is taken (case-insensitively). */
  /** With `nameSkeleton`, also null when another room's name looks the same. Public unless `visibility` says otherwise. */
  createRoom(room: {
    id: string;
    name: string;
    topic: string;
    createdBy: string;
    createdAt: Date;
    nameSkeleton?: string;
    visibility?: RoomVisibility;
  }): Promise<RoomRecord | null>;
  /**
   * Fills in the skeleton of rooms that have none (made before skeletons existed), up to `limit`;
   * a room whose skeleton another already has keeps none. Answers how many rooms it looked at.
   */
  fillNameSkeletons(skeleton: (name: string) => string, limit: number): Promise<number>;
  /**
   * Rooms (never DMs) by member count, optionally only those whose name contains `query` or that
   * `memberId` belongs to; with `visibleTo`, only the public ones and the private ones that user is in.
   */
  listRooms(options: { query?: string; memberId?: string; visibleTo?: string; limit: number }): Promise<RoomRecord[]>;
  getRoom(id: string): Promise<RoomRecord | null>;
  /** Rooms the user belongs to. */
  roomIdsOf(userId: string): Promise<string[]>;
  join(roomId: string, userId: string): Promise<void>;
  leave(roomId: string, userId: string): Promise<void>;
  isMember(roomId: string, userId: string): Promise<boolean>;
  /** Which of these (room, user) pairs are memberships, as `${roomId}|${userId}` keys: one query for many rooms. */
  memberPairs(pairs: Array<{ roomId: string; userId: string }>): Promise<Set<string>>;
  /** The room's members by username, each with their role. */
  members(roomId: string): Promise<Array<User & { role: MemberRole }>>;
  /** Each room's newest seq. */
  lastSeqs(roomIds: string[]): Promise<Map<string, number>>;
  /**
   * Stores a message with the room's next seq, in one transaction; `created` is false when the user
   * already sent this `clientId` to the room, or a message with this id is stored in it, and that
   * first message is returned instead.
   * Rejects with NotMemberError when the sender is not a member of the room.
   */
  appendMessage(message: NewMessage): Promise<Appended>;
  /**
   * A history page: see docs/protocol.md `GET /api/rooms/:roomId/messages`. Messages are in their
   * current state; with `viewerId`, each carries its reaction summary for that reader.
   */
  history(roomId: string, page: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string }): Promise<HistoryPage>;
  /**
   * A page of a thread: its parent and replies, paged like history (`afterSeq` grows forward,
   * otherwise the newest below `beforeSeq`); null when `messageId` is no message of the room.
   */
  thread(
    roomId: string,
    messageId: string,
    page: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string },
  ): Promise<(HistoryPage & { parent: Message }) | null>;
  /** Messages with afterSeq < seq <= toSeq in order, at most `limit` (the oldest ones). */
  range(roomId: string, afterSeq: number, toSeq: number, limit: number): Promise<Message[]>;
  /** Replaces a user's password hash; false when the user does not exist. */
  updatePassword(userId: string, passwordHash: string): Promise<boolean>;
  /** Stores a refresh token (its hash): the first of a new family. */
  createRefreshToken(token: NewRefreshToken): Promise<void>;
  /**
   * Uses a refresh token once, in one transaction: marks it used and stores `next` in its family.
   * A token used before revokes its whole family (`reused`); see RefreshRotation.
   */
  rotateRefreshToken(tokenHash: string, next: Omit<NewRefreshToken, "familyId" | "userId">, now: Date): Promise<RefreshRotation>;
  /** Revokes one of the user's refresh-token families (sign-out of one device's session). */
  revokeRefreshFamily(familyId: string, userId: string, now: Date): Promise<void>;
  /** Revokes every refresh token of the user (sign out everywhere); how many were live. */
  revokeRefreshTokensOf(userId: string, now: Date): Promise<number>;
}

const messageColumns = {
  id: messages.id,
  roomId: messages.roomId,
  seq: messages.seq,
  userId: messages.userId,
  username: users.username,
  body: messages.body,
  clientId: messages.clientId,
  createdAt: messages.createdAt,
  editedAt: messages.editedAt,
  deletedAt: messages.deletedAt,
  parentId: messages.parentId,
  alsoToRoom: messages.alsoToRoom,
  replyCount: messages.replyCount,
  lastReplyAt: messages.lastReplyAt,
  mentions: messages.mentions,
  attachments: messages.attachments,
};

type MessageRow = {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  username: string;
  body: string;
  clientId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  parentId: string | null;
  alsoToRoom: boolean;
  replyCount: number;
  lastReplyAt: Date | null;
  mentions: string[] | null;
  attachments: Upload[] | null;
};

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  roomId: r.roomId,
  seq: Number(r.seq),
  user: { id: r.userId, username: r.username },
  body: r.body,
  clientId: r.clientId,
  createdAt: r.createdAt.toISOString(),
  ...(r.editedAt ? { editedAt: r.editedAt.toISOString() } : {}),
  ...(r.deletedAt ? { deleted: true } : {}),
  ...threadFields(r),
  ...mentionFields(r.mentions),
  ...attachmentFields(r.attachments),
});

const roomColumns = {
  id: rooms.id,
  name: rooms.name,
  topic: rooms.topic,
  createdBy: rooms.createdBy,
  createdAt: rooms.createdAt,
  memberCount: rooms.memberCount,
  kind: rooms.kind,
  visibility: rooms.visibility,
};
const toRoom = (r: {
  id: string;
  name: string;
  topic: string;
  createdBy: string;
  createdAt: Date;
  memberCount: number;
  kind: string;
  visibility: string;
}): RoomRecord => ({
  ...r,
  memberCount: Number(r.memberCount),
  createdAt: r.createdAt.toISOString(),
  kind: r.kind as RoomKind,
  visibility: r.visibility as RoomVisibility,
});

/** The advisory lock that serializes "is this the first user?" (an arbitrary constant: "parley1st"). */
const FIRST_USER_LOCK = 0x70617231;

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const stored = (m: NewMessage, seq: number, mentionIds: string[] = [], files: Upload[] = []): Message => ({
  id: m.id,
  roomId: m.roomId,
  seq,
  user: m.user,
  body: m.body,
  clientId: m.clientId,
  createdAt: m.createdAt.toISOString(),
  ...(m.parentId ? { parentId: m.parentId } : {}),
  ...(m.parentId && m.alsoToRoom ? { alsoToRoom: true } : {}),
  ...mentionFields(mentionIds),
  ...attachmentFields(files),
});

/**
 * The Store on any drizzle PostgreSQL database: postgres.js in production, PGlite embedded.
 * Concurrent sends to a room share statements (group commit, see AppendBatcher).
 */
export function createDrizzleStore(db: Database, options: { appendBatch?: AppendBatchOptions } = {}): Store {
  const events = roomEventMethods(db);
  const findMessageByClientId = async (roomId: string, userId: string, clientId: string) => {
    const [row] = await db
      .select(messageColumns)
      .from(messages)
      .innerJoin(users, eq(users.id, messages.userId))
      .where(and(eq(messages.roomId, roomId), eq(messages.userId, userId), eq(messages.clientId, clientId)));
    return row ? toMessage(row) : null;
  };

  const findMessageById = async (roomId: string, id: string) => {
    const [row] = await db
      .select(messageColumns)
      .from(messages)
      .innerJoin(users, eq(users.id, messages.userId))
      .where(and(eq(messages.roomId, roomId), eq(messages.id, id)));
    return row ? toMessage(row) : null;
  };

  /**
   * One message in its own statement; one that mentions someone in a transaction that also gives
   * each user it reaches a `mention` at their next seq, so the message and its mentions are stored
   * together or not at all.
   */
  const insertOne = async (m: NewMessage): Promise<Omit<Appended, "created">> => {
    const request = m.addressed;
    const ids = m.attachments ?? [];
    if (!addressesSomeone(request) && ids.length === 0) return { message: stored(m, await insertMessage(db, m)) };
    return db.transaction(async (tx) => {
      const { named, notified } = addressesSomeone(request) ? await mentionTargets(tx, m.roomId, m.user.id, request) : { named: [], notified: [] };
      const files = ids.length > 0 ? await lockUploads(tx, ids) : [];
      const message = stored(m, await insertMessage(tx, m, named, attachmentsOf(files)), named, attachmentsOf(files));
      // After the insert: a repeated clientId fails on its unique index first and gets its message back.
      if (ids.length > 0) await attachUploads(tx, ids, files, { id: m.id, roomId: m.roomId, userId: m.user.id });
      return { message, userEvents: await logMentions(tx, message, notified) };
    });
  };

  /**
   * The reference path: a repeated clientId, or a repeated message id (a forwarded send stored
   * again by its sender's worker after the owner's answer was lost), fails on a unique index and
   * the first message is returned instead.
   */
  const appendOne = async (m: NewMessage): Promise<Appended> => {
    try {
      return { ...(await insertOne(m)), created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = (m.clientId ? await findMessageByClientId(m.roomId, m.user.id, m.clientId) : null) ?? (await findMessageById(m.roomId, m.id));
      if (!existing) throw new Error("duplicate send vanished", { cause: error });
      return { message: existing, created: false };
    }
  };
  const batcher = new AppendBatcher(
    {
      one: appendOne,
      many: async (roomId, batch) => (await insertMessages(db, roomId, batch)).map((seq, i) => stored(batch[i]!, seq)),
      isPerMessageError: (error) => isDataError(error) || error instanceof NotMemberError,
    },
    options.appendBatch,
  );

  const selectMessages = () => db.select(messageColumns).from(messages).innerJoin(users, eq(users.id, messages.userId));

  /** Each message with its reaction summary for `viewerId` (unchanged without one). */
  const withSummaries = (roomId: string, page: Message[], viewerId?: string) => (viewerId ? events.withReactions(roomId, page, viewerId) : page);

  /** A page of the room's messages that `which` keeps: with afterSeq it grows forward from it, otherwise it is the newest page below beforeSeq. */
  const historyPage = async (
    roomId: string,
    which: SQL,
    { beforeSeq, afterSeq, limit, viewerId }: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string },
  ) => {
    const bounds = [eq(messages.roomId, roomId), which];
    if (beforeSeq !== undefined) bounds.push(lt(messages.seq, beforeSeq));
    if (afterSeq !== undefined) bounds.push(gt(messages.seq, afterSeq));
    const forward = afterSeq !== undefined;
    const rows = await selectMessages()
      .where(and(...bounds))
      .orderBy(forward ? asc(messages.seq) : desc(messages.seq))
      .limit(limit + 1);
    const hasMore = rows.length > limit;
    const page = await withSummaries(roomId, rows.slice(0, limit).map(toMessage), viewerId);
    return { messages: forward ? page : page.reverse(), hasMore };
  };

  return {
    ...idempotencyStore(db),
    ...refreshTokenMethods(db),
    ...events,
    ...userEventMethods(db),
    ...notificationMethods(db),
    ...searchMethods(db),
    ...memberMethods(db),
    ...accountMethods(db),
    ...uploadMethods(db),

    async ping() {
      await db.execute(sql`select 1`);
    },

    createUser: (user, options = {}) =>
      db.transaction(async (tx) => {
        // One registration at a time asks "is this the first user?", so two first sign-ups cannot both be admins.
        await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_USER_LOCK})`);
        const first = sql`not exists (select 1 from ${users})`;
        const [row] = rowsOf<User>(
          await tx.execute(sql`
            insert into ${users} (id, username, username_key, password_hash, role)
            values (${user.id}, ${user.username}, ${user.username.toLowerCase()}, ${user.passwordHash},
              case when ${options.admin === true}::boolean or ${first} then 'admin' else 'user' end)
            on conflict (username_key) do nothing returning id, username`),
        );
        return row ? { id: row.id, username: row.username } : null;
      }),

    async findUserByName(username) {
      const [row] = await db
        .select({ id: users.id, username: users.username, passwordHash: users.passwordHash, lockedAt: users.lockedAt })
        .from(users)
        .where(eq(users.usernameKey, username.toLowerCase()));
      return row ? { ...row, lockedAt: row.lockedAt?.toISOString() ?? null } : null;
    },

    async findUser(id) {
      const [row] = await db.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, id));
      return row ?? null;
    },

    async createRoom(room) {
      return db.transaction(async (tx) => {
        const [created] = await tx
          .insert(rooms)
          .values({
            ...room,
            nameKey: room.name.toLowerCase(),
            nameSkeleton: room.nameSkeleton ?? null,
            memberCount: 1,
            visibility: room.visibility ?? "public",
          })
          // Either unique key: the same name in another case, or a lookalike name.
          .onConflictDoNothing()
          .returning({ id: rooms.id });
        if (!created) return null;
        await tx.insert(memberships).values({ roomId: room.id, userId: room.createdBy, joinedAt: room.createdAt, role: "owner" });
        await tx.insert(roomSeq).values({ roomId: room.id });
        return {
          id: room.id,
          name: room.name,
          topic: room.topic,
          createdBy: room.createdBy,
          createdAt: room.createdAt.toISOString(),
          memberCount: 1,
          kind: "room",
          visibility: room.visibility ?? "public",
        };
      });
    },

    async fillNameSkeletons(skeleton, limit) {
      const pending = await db
        .select({ id: rooms.id, name: rooms.name })
        .from(rooms)
        .where(isNull(rooms.nameSkeleton))
        .orderBy(asc(rooms.createdAt))
        .limit(limit);
      for (const room of pending) {
        // The oldest room keeps a contested skeleton; a later lookalike (allowed once) is marked with
        // its own id instead, a value no name's skeleton can be, so it is not looked at again.
        const value = skeleton(room.name);
        await db
          .execute(
            sql`update ${rooms} set name_skeleton = case when exists (select 1 from ${rooms} r where r.name_skeleton = ${value}) then ${`#${room.id}`} else ${value} end where id = ${room.id} and name_skeleton is null`,
          )
          .catch((error: unknown) => {
            if (!isUniqueViolation(error)) throw error; // another worker took the skeleton meanwhile: the next pass marks this one
          });
      }
      return pending.length;
    },

    async listRooms({ query, memberId, visibleTo, limit }) {
      const roomsOf = (userId: string) => inArray(rooms.id, db.select({ id: memberships.roomId }).from(memberships).where(eq(memberships.userId, userId)));
      const where = and(
        eq(rooms.kind, "room"),
        // rooms_name_trgm_idx (pg_trgm) serves this for queries of three characters or more.
        query ? ilike(rooms.name, `%${likeLiteral(query)}%`) : undefined,
        memberId ? roomsOf(memberId) : undefined,
        visibleTo ? or(eq(rooms.visibility, "public"), roomsOf(visibleTo)) : undefined,
      );
      const rows = await db.select(roomColumns).from(rooms).where(where).orderBy(desc(rooms.memberCount), asc(rooms.nameKey)).limit(limit);
      return rows.map(toRoom);
    },

    async getRoom(id) {
      const [row] = await db.select(roomColumns).from(rooms).where(eq(rooms.id, id));
      return row ? toRoom(row) : null;
    },

    async roomIdsOf(userId) {
      const rows = await db.select({ roomId: memberships.roomId }).from(memberships).where(eq(memberships.userId, userId));
      return rows.map((r) => r.roomId);
    },

    // Join and leave move member_count in the statement that adds or removes the membership, and only when it did.
    async join(roomId, userId) {
      await db.execute(sql`
        with added as (
          -- A new member starts with everything before their arrival read.
          insert into ${memberships} (room_id, user_id, read_seq)
          select ${roomId}, ${userId}, coalesce((select last_seq from ${roomSeq} where room_id = ${roomId}::uuid), 0)
          -- A banned user cannot join, even racing the ban.
          where not exists (select 1 from ${roomBans} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid)
          on conflict do nothing returning room_id)
        update ${rooms} set member_count = member_count + 1 where id in (select room_id from added)`);
    },

    async leave(roomId, userId) {
      await db.execute(sql`
        with gone as (delete from ${memberships} where room_id = ${roomId} and user_id = ${userId} returning room_id)
        update ${rooms} set member_count = member_count - 1 where id in (select room_id from gone)`);
    },

    async isMember(roomId, userId) {
      const [row] = await db
        .select({ one: sql`1` })
        .from(memberships)
        .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId)));
      return row !== undefined;
    },

    async memberPairs(pairs) {
      if (pairs.length === 0) return new Set();
      const input = JSON.stringify(pairs.map((p) => ({ room_id: p.roomId, user_id: p.userId })));
      const rows = rowsOf<{ room_id: string; user_id: string }>(
        await db.execute(sql`
          select m.room_id, m.user_id from ${memberships} m
          join json_to_recordset(${input}::json) as t(room_id uuid, user_id uuid) on m.room_id = t.room_id and m.user_id = t.user_id`),
      );
      return new Set(rows.map((r) => `${r.room_id}|${r.user_id}`));
    },

    async members(roomId) {
      const rows = await db
        .select({ id: users.id, username: users.username, role: memberships.role })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.roomId, roomId))
        .orderBy(asc(users.usernameKey));
      return rows.map((r) => ({ ...r, role: r.role as MemberRole }));
    },

    async lastSeqs(roomIds) {
      if (roomIds.length === 0) return new Map();
      const rows = await db.select({ id: roomSeq.roomId, lastSeq: roomSeq.lastSeq }).from(roomSeq).where(inArray(roomSeq.roomId, roomIds));
      return new Map(rows.map((r) => [r.id, Number(r.lastSeq)]));
    },

    appendMessage: (m) => batcher.append(m),

    history: (roomId, page) => historyPage(roomId, sql`(${messages.parentId} is null or ${messages.alsoToRoom})`, page),

    async thread(roomId, messageId, page) {
      const [row] = await selectMessages().where(and(eq(messages.roomId, roomId), eq(messages.id, messageId)));
      if (!row) return null;
      const replies = await historyPage(roomId, eq(messages.parentId, messageId), page);
      const parent = (await withSummaries(roomId, [toMessage(row)], page.viewerId))[0]!;
      return { parent, ...replies };
    },

    async range(roomId, afterSeq, toSeq, limit) {
      const rows = await selectMessages()
        .where(and(eq(messages.roomId, roomId), gt(messages.seq, afterSeq), sql`${messages.seq} <= ${toSeq}`))
        .orderBy(asc(messages.seq))
        .limit(limit);
      return rows.map(toMessage);
    },
  };
}

/** Thrown when the database does not answer in time; `code` makes it a retriable outage for callers. */
export class StoreTimeout extends Error {
  readonly code = "ETIMEDOUT";
  constructor(method: string, ms: number) {
    super(`the database did not answer ${method} within ${ms} ms`);
  }
}

/**
 * Bounds every Store call: a database that went away makes a driver queue queries while it
 * reconnects, and a client should hear "unavailable, retry" within seconds, not wait out the
 * reconnect. A write that times out may still commit later; a retried send with the same
 * clientId then gets that message back, so nothing is stored twice.
 */
export function withDeadline(store: Store, ms: number): Store {
  const bounded = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(store) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    bounded[name] = (...args: unknown[]) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreTimeout(name, ms)), ms);
      });
      return Promise.race([fn.apply(store, args), deadline]).finally(() => clearTimeout(timer));
    };
  }
  return bounded as unknown as Store;
}
