import type { User } from "@parley/protocol";
import type { PresenceChange } from "./frame-versions.ts";

/** Runs a task after `ms`; injected so tests can flush windows by hand. */
export type Scheduler = (task: () => void, ms: number) => void;

/** The default window: long enough to batch a reconnect storm, short enough to feel live. */
export const PRESENCE_WINDOW_MS = 150;

interface Pending {
  user: User;
  first: "join" | "leave";
  last: "join" | "leave";
  seq: number;
}

/**
 * Collects a room's presence changes — local ones and those other workers report over the bus —
 * for one window from the first change, then hands over the net changes at once: a user who joined
 * and left within the window is not mentioned, one who joined twice is mentioned once. So a join
 * wave of N users costs each subscriber at most N changes, delivered in at most N flushes.
 */
export class PresenceCoalescer {
  private readonly pending = new Map<string, Map<string, Pending>>();
  private seq = 0;

  constructor(
    private readonly flush: (roomId: string, changes: PresenceChange[]) => void,
    private readonly windowMs: number = PRESENCE_WINDOW_MS,
    private readonly schedule: Scheduler = (task, ms) => void setTimeout(task, ms),
  ) {}

  /** Records a change; the room's window starts with its first change. */
  add(roomId: string, event: "join" | "leave", user: User): void {
    let room = this.pending.get(roomId);
    if (!room) {
      this.pending.set(roomId, (room = new Map()));
      this.schedule(() => this.drain(roomId), this.windowMs);
    }
    const seq = ++this.seq;
    const entry = room.get(user.id);
    if (entry) Object.assign(entry, { last: event, user, seq });
    else room.set(user.id, { user, first: event, last: event, seq });
  }

  /**
   * The number of the latest change recorded. A presence snapshot read after this call reflects
   * every change up to it (each is recorded only once the shared presence has it), so a subscriber
   * that took one needs only the changes numbered past it.
   */
  mark(): number {
    return this.seq;
  }

  /** Rooms with a window open, for tests. */
  get openWindows(): number {
    return this.pending.size;
  }

  private drain(roomId: string): void {
    const room = this.pending.get(roomId);
    this.pending.delete(roomId);
    if (!room) return;
    // The first event says what the user was before the window (a join: offline); only a different end state is news.
    const changes = [...room.values()].filter((p) => p.first === p.last).map((p) => ({ event: p.last, user: p.user, seq: p.seq }));
    if (changes.length > 0) this.flush(roomId, changes);
  }
}
