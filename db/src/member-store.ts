import { sql } from "drizzle-orm";
import type { Ban, MemberRole, Room, RoomEvent, RoomVisibility, User } from "@parley/protocol";
import { isUniqueViolation, rowsOf } from "./message-inserts.ts";
import { nextSeq } from "./room-events-store.ts";
import { ROOM_FIELDS, roomOf } from "./room-rows.ts";
import { memberships, roomBans, roomEvents, roomSeq, rooms, users } from "./schema/index.ts";
import type { Database, RoomRecord } from "./store.ts";
import { logMembership, type AddressedUserEvent } from "./user-events-store.ts";

/** What one user may see and do in one room: the room, their role (null: not a member), a ban, server admin. */
export interface RoomAccess {
  room: RoomRecord;
  role: MemberRole | null;
  banned: boolean;
  admin: boolean;
}

export type RoomMember = User & { role: MemberRole };

/** Memberships with roles, bans and room settings (docs/protocol.md, "Private rooms, DMs and roles"). */
export interface MemberStore {
  /** The room and the user's standing in it, in one query; null for a room that does not exist. */
  roomAccess(roomId: string, userId: string): Promise<RoomAccess | null>;
  /** The user's role in each room (and DM) they are a member of. */
  rolesOf(userId: string): Promise<Map<string, MemberRole>>;
  /** Adds the user as a `member` (an invite) unless banned; `added` logs a `membership` event for them. */
  addMember(roomId: string, userId: string, at: Date): Promise<{ status: "added" | "member" | "banned"; userEvents: AddressedUserEvent[] }>;
  /**
   * The user leaves the room. When the last owner leaves a room that keeps members, the
   * longest-standing member (moderators first) becomes owner: that is `event` (member.role).
   * A `membership` "left" event tells the user's other devices.
   */
  leaveRoom(roomId: string, user: User, at: Date): Promise<{ left: boolean; event?: RoomEvent; userEvents: AddressedUserEvent[] }>;
  /** Gives a member a role (a member.role event when it changed); refuses to leave the room without an owner. */
  setRole(
    roomId: string,
    userId: string,
    role: MemberRole,
    by: User,
    at: Date,
  ): Promise<{ status: "ok"; member: RoomMember; event?: RoomEvent } | { status: "not_member" } | { status: "last_owner" }>;
  /**
   * Ends the user's membership (kicked) or also bans them (banned): a member.removed event and a
   * `membership` "removed" event for them when they were a member. `ban`: the ban as stored, with
   * `banCreated` false when it existed before.
   */
  removeMember(
    roomId: string,
    userId: string,
    change: { by: User; reason: "kicked" | "banned"; at: Date },
  ): Promise<{ removed: boolean; event?: RoomEvent; userEvents: AddressedUserEvent[]; ban?: Ban; banCreated?: boolean }>;
  /** The room's bans, newest first. */
  bans(roomId: string): Promise<Ban[]>;
  /** Lifts a ban; false when there was none. */
  unban(roomId: string, userId: string): Promise<boolean>;
  /** Changes the room's name, topic or visibility (a room.updated event); null when the name is taken or looks like another's. */
  updateRoom(
    roomId: string,
    change: { name?: string; nameSkeleton?: string; topic?: string; visibility?: RoomVisibility },
    by: User,
    at: Date,
  ): Promise<{ room: RoomRecord; event: RoomEvent } | null>;
}

/** What an event about members or the room says: its kind and payload, as the frame carries them. */
export type RoomChangeEvent = Pick<RoomEvent, "member" | "reason" | "by" | "room"> & { kind: "member.role" | "member.removed" | "room.updated" };

/** Stores an event about the room's members or the room itself at the room's next seq; part of the caller's transaction. */
export async function logRoomChange(tx: Database, roomId: string, change: RoomChangeEvent, at: Date): Promise<RoomEvent> {
  const seq = await nextSeq(tx, roomId);
  const { kind, ...data } = change;
  await tx.execute(sql`
    insert into ${roomEvents} (room_id, seq, kind, message_id, user_id, data, created_at)
    values (${roomId}, ${seq}, ${kind}, null, ${data.by!.id}, ${JSON.stringify(data)}::jsonb, ${at.toISOString()}::timestamptz)`);
  return { type: "event", roomId, seq, kind, at: at.toISOString(), ...data };
}

type Row = Record<string, unknown>;
const userOf = (id: unknown, username: unknown): User => ({ id: id as string, username: username as string });

/** The room as a member with `role` sees it, for a `membership` event (presence is not in the database: onlineCount 0). */
export async function roomSnapshot(tx: Database, roomId: string, role: MemberRole): Promise<Room> {
  const [row] = rowsOf<Row>(await tx.execute(sql`select ${ROOM_FIELDS} from ${rooms} r where r.id = ${roomId}::uuid`));
  const room: Room = { ...roomOf(row!), onlineCount: 0, role };
  if (room.kind !== "dm") return room;
  const members = rowsOf<Row>(
    await tx.execute(sql`
      select u.id, u.username from ${memberships} m join ${users} u on u.id = m.user_id
      where m.room_id = ${roomId}::uuid order by u.username_key`),
  );
  return { ...room, members: members.map((m) => userOf(m.id, m.username)) };
}

/** Adds a membership (read up to the room's newest) and counts it; true when it is new. */
export async function insertMembership(tx: Database, roomId: string, userId: string, at: Date): Promise<boolean> {
  const added = rowsOf(
    await tx.execute(sql`
      insert into ${memberships} (room_id, user_id, joined_at, read_seq)
      values (${roomId}, ${userId}, ${at.toISOString()}::timestamptz, coalesce((select last_seq from ${roomSeq} where room_id = ${roomId}::uuid), 0))
      on conflict do nothing returning 1`),
  ).length;
  if (added) await tx.execute(sql`update ${rooms} set member_count = member_count + 1 where id = ${roomId}::uuid`);
  return added > 0;
}

/** Removes a membership and counts it; the role it had, or null when there was none. */
async function deleteMembership(tx: Database, roomId: string, userId: string): Promise<MemberRole | null> {
  const [row] = rowsOf<{ role: MemberRole }>(
    await tx.execute(sql`delete from ${memberships} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid returning role`),
  );
  if (row) await tx.execute(sql`update ${rooms} set member_count = member_count - 1 where id = ${roomId}::uuid`);
  return row?.role ?? null;
}

/** A room (not a DM) left without an owner but with members: the longest-standing member, moderators first, becomes owner. */
async function promoteIfOwnerless(tx: Database, roomId: string, by: User, at: Date): Promise<RoomEvent | undefined> {
  const [next] = rowsOf<Row>(
    await tx.execute(sql`
      select m.user_id, u.username from ${memberships} m join ${users} u on u.id = m.user_id join ${rooms} r on r.id = m.room_id
      where m.room_id = ${roomId}::uuid and r.kind = 'room'
        and not exists (select 1 from ${memberships} o where o.room_id = m.room_id and o.role = 'owner')
      order by (m.role = 'moderator') desc, m.joined_at, m.user_id limit 1 for update of m`),
  );
  if (!next) return undefined;
  await tx.execute(sql`update ${memberships} set role = 'owner' where room_id = ${roomId}::uuid and user_id = ${next.user_id as string}::uuid`);
  return logRoomChange(tx, roomId, { kind: "member.role", member: { user: userOf(next.user_id, next.username), role: "owner" }, by }, at);
}

async function banOf(tx: Database, roomId: string, userId: string): Promise<Ban | undefined> {
  const [row] = rowsOf<Row>(
    await tx.execute(sql`
      select b.user_id, u.username, b.banned_by, bu.username as by_username, b.created_at
      from ${roomBans} b join ${users} u on u.id = b.user_id join ${users} bu on bu.id = b.banned_by
      where b.room_id = ${roomId}::uuid and b.user_id = ${userId}::uuid`),
  );
  return row ? banOfRow(row) : undefined;
}

const banOfRow = (r: Row): Ban => ({
  user: userOf(r.user_id, r.username),
  bannedBy: userOf(r.banned_by, r.by_username),
  createdAt: new Date(r.created_at as string).toISOString(),
});

export function memberMethods(db: Database): MemberStore {
  return {
    async roomAccess(roomId, userId) {
      const [row] = rowsOf<Row>(
        await db.execute(sql`
          select ${ROOM_FIELDS}, m.role as member_role,
            exists (select 1 from ${roomBans} b where b.room_id = r.id and b.user_id = ${userId}::uuid) as banned,
            exists (select 1 from ${users} a where a.id = ${userId}::uuid and a.role = 'admin') as admin
          from ${rooms} r left join ${memberships} m on m.room_id = r.id and m.user_id = ${userId}::uuid
          where r.id = ${roomId}::uuid`),
      );
      if (!row) return null;
      return { room: roomOf(row), role: (row.member_role as MemberRole | null) ?? null, banned: Boolean(row.banned), admin: Boolean(row.admin) };
    },

    async rolesOf(userId) {
      const rows = rowsOf<{ room_id: string; role: MemberRole }>(
        await db.execute(sql`select room_id, role from ${memberships} where user_id = ${userId}::uuid`),
      );
      return new Map(rows.map((r) => [r.room_id, r.role]));
    },

    addMember: (roomId, userId, at) =>
      db.transaction(async (tx) => {
        const banned = rowsOf(await tx.execute(sql`select 1 from ${roomBans} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid`)).length > 0;
        if (banned) return { status: "banned" as const, userEvents: [] };
        if (!(await insertMembership(tx, roomId, userId, at))) return { status: "member" as const, userEvents: [] };
        const room = await roomSnapshot(tx, roomId, "member");
        return { status: "added" as const, userEvents: await logMembership(tx, { roomId, membership: "added", at }, [{ userId, room }]) };
      }),

    leaveRoom: (roomId, user, at) =>
      db.transaction(async (tx) => {
        const role = await deleteMembership(tx, roomId, user.id);
        if (!role) return { left: false, userEvents: [] };
        const event = role === "owner" ? await promoteIfOwnerless(tx, roomId, user, at) : undefined;
        return { left: true, event, userEvents: await logMembership(tx, { roomId, membership: "left", at }, [{ userId: user.id }]) };
      }),

    setRole: (roomId, userId, role, by, at) =>
      db.transaction(async (tx) => {
        // The owners' rows locked first: two owners demoting each other at once cannot both succeed.
        const owners = rowsOf<{ user_id: string }>(
          await tx.execute(sql`select user_id from ${memberships} where room_id = ${roomId}::uuid and role = 'owner' order by user_id for update`),
        );
        const [row] = rowsOf<Row>(
          await tx.execute(sql`
            select m.role, u.username from ${memberships} m join ${users} u on u.id = m.user_id
            where m.room_id = ${roomId}::uuid and m.user_id = ${userId}::uuid for update of m`),
        );
        if (!row) return { status: "not_member" as const };
        const member: RoomMember = { id: userId, username: row.username as string, role };
        if (row.role === role) return { status: "ok" as const, member };
        if (row.role === "owner" && owners.length === 1) return { status: "last_owner" as const };
        await tx.execute(sql`update ${memberships} set role = ${role} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid`);
        const event = await logRoomChange(tx, roomId, { kind: "member.role", member: { user: { id: userId, username: member.username }, role }, by }, at);
        return { status: "ok" as const, member, event };
      }),

    removeMember: (roomId, userId, { by, reason, at }) =>
      db.transaction(async (tx) => {
        const role = await deleteMembership(tx, roomId, userId);
        let ban: Ban | undefined;
        let banCreated: boolean | undefined;
        if (reason === "banned") {
          banCreated =
            rowsOf(
              await tx.execute(sql`
                insert into ${roomBans} (room_id, user_id, banned_by, created_at)
                values (${roomId}, ${userId}, ${by.id}, ${at.toISOString()}::timestamptz) on conflict do nothing returning 1`),
            ).length > 0;
          ban = await banOf(tx, roomId, userId);
        }
        if (!role) return { removed: false, userEvents: [], ban, banCreated };
        const [target] = rowsOf<{ username: string }>(await tx.execute(sql`select username from ${users} where id = ${userId}::uuid`));
        const event = await logRoomChange(tx, roomId, { kind: "member.removed", member: { user: { id: userId, username: target!.username } }, reason, by }, at);
        if (role === "owner") await promoteIfOwnerless(tx, roomId, by, at);
        const userEvents = await logMembership(tx, { roomId, membership: "removed", at }, [{ userId }]);
        return { removed: true, event, userEvents, ban, banCreated };
      }),

    async bans(roomId) {
      const rows = rowsOf<Row>(
        await db.execute(sql`
          select b.user_id, u.username, b.banned_by, bu.username as by_username, b.created_at
          from ${roomBans} b join ${users} u on u.id = b.user_id join ${users} bu on bu.id = b.banned_by
          where b.room_id = ${roomId}::uuid order by b.created_at desc, u.username_key`),
      );
      return rows.map(banOfRow);
    },

    async unban(roomId, userId) {
      return rowsOf(await db.execute(sql`delete from ${roomBans} where room_id = ${roomId}::uuid and user_id = ${userId}::uuid returning 1`)).length > 0;
    },

    async updateRoom(roomId, change, by, at) {
      const name = change.name === undefined ? sql`name` : sql`${change.name}`;
      const nameKey = change.name === undefined ? sql`name_key` : sql`${change.name.toLowerCase()}`;
      const skeleton = change.name === undefined ? sql`name_skeleton` : sql`${change.nameSkeleton ?? null}`;
      const topic = change.topic === undefined ? sql`topic` : sql`${change.topic}`;
      const visibility = change.visibility === undefined ? sql`visibility` : sql`${change.visibility}`;
      try {
        return await db.transaction(async (tx) => {
          const [row] = rowsOf<Row>(
            await tx.execute(sql`
              update ${rooms} r set name = ${name}, name_key = ${nameKey}, name_skeleton = ${skeleton}, topic = ${topic}, visibility = ${visibility}
              where r.id = ${roomId}::uuid returning ${ROOM_FIELDS}`),
          );
          const room = roomOf(row!);
          const event = await logRoomChange(
            tx,
            roomId,
            { kind: "room.updated", room: { name: room.name, topic: room.topic, visibility: room.visibility }, by },
            at,
          );
          return { room, event };
        });
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },
  };
}
