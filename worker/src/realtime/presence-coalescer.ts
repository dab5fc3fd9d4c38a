import type { User } from "@parley/protocol";
import type { PresenceChange } from "./frame-versions.ts";

/** Runs a task after `ms`; injected so tests can flush windows by hand. */
export type Scheduler = (task: () => void, ms: number) => void;

/** The default window: long enough to batch a reconnect storm, short enough to feel live. */
export const PRESENCE_WINDOW_MS = 150;

/** One room's changes of one window: per user, each event with its number (PresenceCoalescer.mark). */
export interface PresenceWindow {
  firstSeq: number;
  users: Array<{ user: User; events: Array<{ event: "join" | "leave"; seq: number }> }>;
}

/**
 * What a subscriber whose presence snapshot reflects every change up to `mark` must hear of a
 * window: each user with an event past the mark, in the state of their last event. Nothing is
 * netted out: a change from another worker can reach the snapshot before it reaches this worker's
 * window, so a subscriber may have seen a join that the window also holds, and must hear the leave.
 */
export function changesAfter(window: PresenceWindow, mark: number): PresenceChange[] {
  const changes: PresenceChange[] = [];
  for (const { user, events } of window.users) {
    const last = events[events.length - 1]!;
    if (last.seq > mark) changes.push({ event: last.event, user });
  }
  return changes;
}

/**
 * Collects a room's presence changes — local ones and those other workers report over the bus —
 * for one window from the first change, then hands them over at once, one state per user. A join
 * wave of N users so costs each subscriber at most N changes, delivered in at most N flushes.
 */
export class PresenceCoalescer {
  private readonly pending = new Map<string, { firstSeq: number; users: Map<string, PresenceWindow["users"][number]> }>();
  private seq = 0;

  constructor(
    private readonly flush: (roomId: string, window: PresenceWindow) => void,
    private readonly windowMs: number = PRESENCE_WINDOW_MS,
    private readonly schedule: Scheduler = (task, ms) => void setTimeout(task, ms),
  ) {}

  /** Records a change; the room's window starts with its first change. */
  add(roomId: string, event: "join" | "leave", user: User): void {
    const seq = ++this.seq;
    let room = this.pending.get(roomId);
    if (!room) {
      this.pending.set(roomId, (room = { firstSeq: seq, users: new Map() }));
      this.schedule(() => this.drain(roomId), this.windowMs);
    }
    const entry = room.users.get(user.id);
    if (entry) {
      entry.user = user;
      entry.events.push({ event, seq });
    } else room.users.set(user.id, { user, events: [{ event, seq }] });
  }

  /**
   * The number of the latest change recorded. A presence snapshot read after this call reflects
   * every change up to it (each is recorded only once the shared presence has it), so a subscriber
   * that took one needs only what changed past it (changesAfter).
   */
  mark(): number {
    return this.seq;
  }

  private drain(roomId: string): void {
    const room = this.pending.get(roomId);
    this.pending.delete(roomId);
    if (room) this.flush(roomId, { firstSeq: room.firstSeq, users: [...room.users.values()] });
  }
}
