import { sql } from "drizzle-orm";
import type { Room, User } from "@parley/protocol";
import { rowsOf } from "./message-inserts.ts";
import { insertMembership, roomSnapshot } from "./member-store.ts";
import { ROOM_FIELDS, roomOf } from "./room-rows.ts";
import { memberships, messages, refreshTokens, roomSeq, rooms, users } from "./schema/index.ts";
import type { Database, RoomRecord } from "./store.ts";
import { logMembership, type AddressedUserEvent } from "./user-events-store.ts";

/** A DM as listed: the room and all its participants. */
export type DmRecord = RoomRecord & { members: User[] };

/** A user as the admin routes see them. */
export interface Account {
  user: User;
  admin: boolean;
  lockedAt: string | null;
}

/** DMs, finding users, and what server admins do (docs/protocol.md, "Private rooms, DMs and roles"). */
export interface AccountStore {
  /**
   * The DM of exactly these users (all participants, the creator among them), made when there is
   * none; whoever of them is not a member (again) becomes one, with a `membership` event. Null when
   * one of them does not exist or is locked.
   */
  openDm(input: {
    id: string;
    userIds: string[];
    createdBy: string;
    at: Date;
  }): Promise<{ room: Room; created: boolean; userEvents: AddressedUserEvent[] } | null>;
  /** The user's DMs with their participants, the most recently active first (last message, else creation). */
  listDms(userId: string, limit: number): Promise<DmRecord[]>;
  /** Users whose username starts with `prefix` (case-insensitively), by username; locked ones left out. */
  searchUsers(prefix: string, limit: number): Promise<User[]>;
  account(userId: string): Promise<Account | null>;
  /** Locks the account at `at`, or unlocks it (null); null for an unknown user. */
  setLocked(userId: string, at: Date | null): Promise<Account | null>;
  /** Makes the users of these usernames (any case) server admins; those that do not exist are skipped. */
  makeAdmins(usernames: readonly string[]): Promise<void>;
  /** Every room and DM, by member count, optionally those whose name contains `query`: metadata only. */
  listAllRooms(options: { query?: string; limit: number }): Promise<RoomRecord[]>;
  /** The owner of a refresh token (by its hash) and whether their account is locked; null for an unknown token. */
  refreshTokenOwner(tokenHash: string): Promise<{ userId: string; locked: boolean } | null>;
}

type Row = Record<string, unknown>;
const jsonOf = <T>(value: unknown): T => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T));
const likePrefix = (s: string) => `${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const accountOf = (r: Row): Account => ({
  user: { id: r.id as string, username: r.username as string },
  admin: r.role === "admin",
  lockedAt: r.locked_at ? new Date(r.locked_at as string).toISOString() : null,
});

export function accountMethods(db: Database): AccountStore {
  return {
    async openDm({ id, userIds, createdBy, at }) {
      const ids = [...new Set(userIds)].sort();
      const found = rowsOf(
        await db.execute(sql`select 1 from ${users} where id in (select json_array_elements_text(${JSON.stringify(ids)}::json)::uuid) and locked_at is null`),
      ).length;
      if (found !== ids.length) return null;
      const key = ids.join(",");
      return db.transaction(async (tx) => {
        // A concurrent open of the same set waits on the unique dm_key, then finds this one.
        const created =
          rowsOf(
            await tx.execute(sql`
              insert into ${rooms} (id, name, name_key, topic, created_by, created_at, member_count, kind, visibility, dm_key)
              values (${id}, '', ${`dm:${key}`}, '', ${createdBy}, ${at.toISOString()}::timestamptz, 0, 'dm', 'private', ${key})
              on conflict do nothing returning 1`),
          ).length > 0;
        if (created) await tx.execute(sql`insert into ${roomSeq} (room_id) values (${id})`);
        const [row] = rowsOf<{ id: string }>(await tx.execute(sql`select id from ${rooms} where dm_key = ${key}`));
        const roomId = row!.id;
        const added: string[] = [];
        for (const userId of ids) if (await insertMembership(tx, roomId, userId, at)) added.push(userId);
        const room = await roomSnapshot(tx, roomId, "member");
        const userEvents = await logMembership(
          tx,
          { roomId, membership: "added", at },
          added.map((userId) => ({ userId, room })),
        );
        return { room, created, userEvents };
      });
    },

    async listDms(userId, limit) {
      const rows = rowsOf<Row>(
        await db.execute(sql`
          select ${ROOM_FIELDS},
            (select json_agg(json_build_object('id', u.id, 'username', u.username) order by u.username_key)
              from ${memberships} mm join ${users} u on u.id = mm.user_id where mm.room_id = r.id) as members
          from ${memberships} m join ${rooms} r on r.id = m.room_id
          where m.user_id = ${userId}::uuid and r.kind = 'dm'
          order by coalesce((select x.created_at from ${messages} x where x.room_id = r.id order by x.seq desc limit 1), r.created_at) desc, r.id
          limit ${limit}`),
      );
      return rows.map((r) => ({ ...roomOf(r), members: jsonOf<User[] | null>(r.members) ?? [] }));
    },

    async searchUsers(prefix, limit) {
      return rowsOf<User>(
        await db.execute(sql`
          select id, username from ${users} where username_key like ${likePrefix(prefix)} and locked_at is null
          order by username_key limit ${limit}`),
      ).map((r) => ({ id: r.id, username: r.username }));
    },

    async account(userId) {
      const [row] = rowsOf<Row>(await db.execute(sql`select id, username, role, locked_at from ${users} where id = ${userId}::uuid`));
      return row ? accountOf(row) : null;
    },

    async setLocked(userId, at) {
      const [row] = rowsOf<Row>(
        await db.execute(sql`
          update ${users} set locked_at = ${at ? at.toISOString() : null}::timestamptz where id = ${userId}::uuid
          returning id, username, role, locked_at`),
      );
      return row ? accountOf(row) : null;
    },

    async makeAdmins(usernames) {
      if (usernames.length === 0) return;
      const keys = JSON.stringify(usernames.map((u) => u.toLowerCase()));
      await db.execute(sql`update ${users} set role = 'admin' where username_key in (select json_array_elements_text(${keys}::json)) and role <> 'admin'`);
    },

    async listAllRooms({ query, limit }) {
      const where = query ? sql`where r.name ilike ${`%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : sql``;
      const rows = rowsOf<Row>(await db.execute(sql`select ${ROOM_FIELDS} from ${rooms} r ${where} order by r.member_count desc, r.name_key limit ${limit}`));
      return rows.map(roomOf);
    },

    async refreshTokenOwner(tokenHash) {
      const [row] = rowsOf<{ user_id: string; locked: boolean }>(
        await db.execute(sql`
          select t.user_id, u.locked_at is not null as locked from ${refreshTokens} t join ${users} u on u.id = t.user_id
          where t.token_hash = ${tokenHash}`),
      );
      return row ? { userId: row.user_id, locked: Boolean(row.locked) } : null;
    },
  };
}
