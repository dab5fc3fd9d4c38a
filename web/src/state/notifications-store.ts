import { createSignal } from "solid-js";
import { createStore } from "solid-js/store";
import type { NotifyLevel, RoomNotifications } from "@parley/protocol";
import type { HttpClient, RoomListing } from "../transport/http-client.ts";

/** A room whose settings were never changed: it follows the user's level and is not muted. */
export const ROOM_DEFAULTS: RoomNotifications = { level: "default", muted: false };

/**
 * The user's notification settings, kept by the server: the default level of their rooms and each
 * room's own level and mute. A change shows at once, and the server's answer replaces it; a failed
 * one goes back to what the server last said. When changes overlap, only the latest one's answer
 * (or failure) is applied, so a slow early answer cannot undo a later choice.
 */
export function createNotificationsStore(http: Pick<HttpClient, "notificationLevel" | "setNotificationLevel" | "setRoomNotifications">) {
  const [userLevel, setUserLevel] = createSignal<NotifyLevel>("mentions");
  const [rooms, setStored] = createStore<Record<string, RoomNotifications | undefined>>({});
  // A store keeps (and later changes) the object it is given: it gets a copy, never the server's answer itself.
  const setRooms = (roomId: string, settings: RoomNotifications | undefined) => setStored(roomId, settings && { ...settings });
  /** What the server last said, and per setting ("" is the user's level) the latest change and the changes still on their way. */
  let confirmedLevel: NotifyLevel = "mentions";
  const confirmedRooms = new Map<string, RoomNotifications>();
  const latest = new Map<string, number>();
  const inFlight = new Map<string, number>();
  /** Starts a change of `key`; `isLatest` tells whether none began after it, `end` that it is settled. */
  const begin = (key: string) => {
    const n = (latest.get(key) ?? 0) + 1;
    latest.set(key, n);
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    return { isLatest: () => latest.get(key) === n, end: () => inFlight.set(key, inFlight.get(key)! - 1) };
  };

  return {
    userLevel,
    /** A room's settings (the defaults for a room never changed or not known). */
    room: (roomId: string): RoomNotifications => rooms[roomId] ?? ROOM_DEFAULTS,
    /** Whether the room's settings are known: `room()` of an unknown room is only a guess. */
    knows: (roomId: string) => rooms[roomId] !== undefined,
    /** Loads the user's level; a failure keeps the server's default ("mentions"). */
    async load() {
      const { notifications } = await http.notificationLevel();
      confirmedLevel = notifications.level;
      if (!inFlight.get("")) setUserLevel(notifications.level);
    },
    /** A room of the list or a join, with the settings the server holds for it (a change on its way wins). */
    listed(room: RoomListing) {
      const settings = room.notifications ?? ROOM_DEFAULTS;
      confirmedRooms.set(room.id, settings);
      if (!inFlight.get(room.id)) setRooms(room.id, settings);
    },
    forget(roomId: string) {
      confirmedRooms.delete(roomId);
      setRooms(roomId, undefined);
    },
    /** Changes the user's level; resolves with the error's message when the server refused or was not reached. */
    async setUserLevel(level: NotifyLevel): Promise<string | undefined> {
      const { isLatest, end } = begin("");
      setUserLevel(level);
      try {
        const { notifications } = await http.setNotificationLevel(level);
        confirmedLevel = notifications.level;
        if (isLatest()) setUserLevel(notifications.level);
      } catch (error) {
        if (!isLatest()) return;
        setUserLevel(confirmedLevel);
        return (error as Error).message;
      } finally {
        end();
      }
    },
    /** Changes a room's level or mute (what is given); resolves with the error's message on failure. */
    async setRoom(roomId: string, change: Partial<RoomNotifications>): Promise<string | undefined> {
      const { isLatest, end } = begin(roomId);
      setRooms(roomId, { ...(rooms[roomId] ?? ROOM_DEFAULTS), ...change });
      try {
        const { notifications } = await http.setRoomNotifications(roomId, change);
        confirmedRooms.set(roomId, notifications);
        if (isLatest()) setRooms(roomId, notifications);
      } catch (error) {
        if (!isLatest()) return;
        setRooms(roomId, confirmedRooms.get(roomId) ?? ROOM_DEFAULTS);
        return (error as Error).message;
      } finally {
        end();
      }
    },
  };
}
export type NotificationsStore = ReturnType<typeof createNotificationsStore>;
