import { createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { User } from "@parley/protocol";

/** How long "alice is typing…" stays after her last typing notice. */
export const TYPING_VISIBLE_MS = 4000;

/** Who is online in each subscribed room, and who is typing there. */
export function createPresenceStore(now: () => number = Date.now) {
  const [online, setOnline] = createStore<Record<string, User[]>>({});
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
    setOnline: (roomId: string, users: User[]) => setOnline(roomId, [...users].sort((a, b) => a.username.localeCompare(b.username))),
    /** Users typing in a room now, by name. */
    typing(roomId: string): string[] {
      tick();
      const t = now();
      const names = Object.entries(typing[roomId] ?? {}).filter(([, until]) => until > t).map(([name]) => name);
      if (names.length) wake();
      return names.sort();
    },
    typed(roomId: string, username: string) {
      setTyping(produce((all) => void ((all[roomId] ??= {})[username] = now() + TYPING_VISIBLE_MS)));
      wake();
    },
    /** A message from someone ends their typing notice. */
    stoppedTyping: (roomId: string, username: string) => setTyping(produce((all) => void delete all[roomId]?.[username])),
    clear: (roomId: string) => setOnline(produce((all) => void delete all[roomId])),
  };
}
export type PresenceStore = ReturnType<typeof createPresenceStore>;
