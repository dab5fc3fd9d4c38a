import { sql } from "drizzle-orm";
import type { NotifyLevel, RoomNotifications } from "@parley/protocol";
import { NotMemberError, rowsOf } from "./message-inserts.ts";
import { memberships, users } from "./schema/index.ts";
import type { Database } from "./store.ts";

/** Notification preferences: the user's default level, and each room's own level and mute. */
export interface NotificationStore {
  /** The user's default level; null for an unknown user. */
  userNotifyLevel(userId: string): Promise<NotifyLevel | null>;
  setUserNotifyLevel(userId: string, level: NotifyLevel): Promise<void>;
  /** Changes what is given of a member's settings for the room; rejects with NotMemberError for a non-member. */
  setRoomNotifications(userId: string, roomId: string, change: Partial<RoomNotifications>): Promise<RoomNotifications>;
  /** The member's settings in each of these rooms they belong to. */
  roomNotifications(userId: string, roomIds: string[]): Promise<Map<string, RoomNotifications>>;
}

const settingsOf = (r: { notify_level: string | null; muted: boolean }): RoomNotifications => ({
  level: (r.notify_level ?? "default") as RoomNotifications["level"],
  muted: Boolean(r.muted),
});

export function notificationMethods(db: Database): NotificationStore {
  return {
    async userNotifyLevel(userId) {
      const [row] = rowsOf<{ notify_level: NotifyLevel }>(await db.execute(sql`select notify_level from ${users} where id = ${userId}::uuid`));
      return row?.notify_level ?? null;
    },

    async setUserNotifyLevel(userId, level) {
      await db.execute(sql`update ${users} set notify_level = ${level} where id = ${userId}::uuid`);
    },

    async setRoomNotifications(userId, roomId, change) {
      // "default" is stored as null; a field not given keeps its value.
      const level = change.level === undefined ? sql`notify_level` : change.level === "default" ? sql`null` : sql`${change.level}`;
      const muted = change.muted === undefined ? sql`muted` : sql`${change.muted}`;
      const [row] = rowsOf<{ notify_level: string | null; muted: boolean }>(
        await db.execute(sql`
          update ${memberships} set notify_level = ${level}, muted = ${muted}
          where room_id = ${roomId}::uuid and user_id = ${userId}::uuid returning notify_level, muted`),
      );
      if (!row) throw new NotMemberError(roomId);
      return settingsOf(row);
    },

    async roomNotifications(userId, roomIds) {
      if (roomIds.length === 0) return new Map();
      const rows = rowsOf<{ room_id: string; notify_level: string | null; muted: boolean }>(
        await db.execute(sql`
          select room_id, notify_level, muted from ${memberships}
          where user_id = ${userId}::uuid and room_id in (select json_array_elements_text(${JSON.stringify(roomIds)}::json)::uuid)`),
      );
      return new Map(rows.map((r) => [r.room_id, settingsOf(r)]));
    },
  };
}
