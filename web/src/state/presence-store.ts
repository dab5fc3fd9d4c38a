import { createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { User } from "@parley/protocol";

/** How long "alice is typing…" stays after her last typing notice. */
export const TYPING_VISIBLE_MS = 4000;

const byName = (users: User[]) => users.sort((a, b) => a.username.localeCompare(b.username) || a.id.localeCompare(b.id));

/**
 * Who is online in each subscribed room, and who is typing there. On parley.v2 the list comes once,
 * in `subscribed` (at most the first 500 by name), and then as joins and leaves; the count is the
 * server's `onlineCount`, which still counts those the list leaves out.
 */
export function createPresenceStore(now: () => number = Date.now) {
  const [online, setOnline] = createStore<Record<string, User[]>>({});
  const [counts, setCounts] = createStore<Record<string, number>>({});
  const [typing, setTyping] = createStore<Record<string, Record<string, number>>>({});
  // Re-evaluates the typing lists as notices expire.
  const [tick, setTick] = createSignal(0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wake = () => {
    clearTimeout(timer);
    timer = setTimeout(() => setTick(tick() + 1), 500);
  };

  return {
    online: (roomId: string): User[] => online[roomId] ?? [],
    /** How many are online in a room: the server's count when it sent one, else the list's length. */
    count: (roomId: string): number => counts[roomId] ?? online[roomId]?.length ?? 0,
    /** The whole list (v1 frames, `subscribed`), with the server's count when it sent one. */
    setOnline(roomId: string, users: User[], count?: number) {
      setOnline(roomId, byName([...users]));
      setCounts(produce((all) => void (count === undefined ? delete all[roomId] : (all[roomId] = count))));
    },
    /** A v2 `presence` frame: one user joined or left; `count` is how many are online now. */
    changed(roomId: string, event: "join" | "leave", user: User, count: number) {
      setOnline(
        produce((all) => {
          const users = (all[roomId] ?? []).filter((u) => u.id !== user.id);
          all[roomId] = event === "join" ? byName([...users, user]) : users;
        }),
      );
      setCounts(roomId, count);
    },
    /** Users typing in a room now, by name. */
    typing(roomId: string): string[] {
      tick();
      const t = now();
      const names = Object.entries(typing[roomId] ?? {})
        .filter(([, until]) => until > t)
        .map(([name]) => name);
      if (names.length) wake();
      return names.sort();
    },
    typed(roomId: string, username: string) {
      setTyping(produce((all) => void ((all[roomId] ??= {})[username] = now() + TYPING_VISIBLE_MS)));
      wake();
    },
    /** A message from someone ends their typing notice. */
    stoppedTyping: (roomId: string, username: string) => setTyping(produce((all) => void delete all[roomId]?.[username])),
    clear(roomId: string) {
      setOnline(produce((all) => void delete all[roomId]));
      setCounts(produce((all) => void delete all[roomId]));
    },
  };
}
export type PresenceStore = ReturnType<typeof createPresenceStore>;
