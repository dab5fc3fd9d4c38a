import type { Message, RoomEvent, User } from "@parley/protocol";
import { frameVersions, type OnlineSnapshot } from "./frame-versions.ts";
import { changesAfter, type PresenceWindow } from "./presence-coalescer.ts";
import type { Peer } from "./peer.ts";
import { SerialQueue } from "./serial-queue.ts";

export interface Subscription {
  peer: Peer;
  /** The highest seq this peer has been sent: it never gets one at or below it again. */
  cursor: number;
  /** The presence changes up to this number were in the `subscribed` it was sent (PresenceCoalescer.mark). */
  presenceMark: number;
}

/**
 * One room's state on this worker: local subscribers, the last seq delivered, and how many local
 * connections each user has in the room. Every change runs through `queue`, so deliveries stay in
 * seq order even while gaps are being filled from the database.
 */
export class RoomChannel {
  readonly queue = new SerialQueue();
  readonly subscribers = new Map<string, Subscription>();
  readonly localUsers = new Map<string, { user: User; connections: number }>();
  /** Set once the bus subscription is live and `delivered` is read from the store. */
  ready = false;
  delivered = 0;

  constructor(readonly roomId: string) {}

  /**
   * Sends a log entry (a message, or an event about one) to every subscriber not past it, in the
   * order of calls and in each one's protocol version; returns how many it was sent to. A v1
   * subscriber's cursor passes an event it is not sent, so exactly-once holds for both.
   */
  fanOut(entry: Message | RoomEvent): number {
    if (entry.seq <= this.delivered) return 0;
    this.delivered = entry.seq;
    const texts = new Map<number, string | undefined>();
    let sent = 0;
    for (const sub of this.subscribers.values()) {
      if (entry.seq <= sub.cursor) continue;
      sub.cursor = entry.seq;
      const { version } = sub.peer;
      if (!texts.has(version)) texts.set(version, frameVersions.entry(version, entry));
      const text = texts.get(version);
      if (text === undefined) continue;
      sub.peer.send(text);
      sent++;
    }
    return sent;
  }

  /** Sends a frame to every local subscriber, optionally skipping one user's connections. */
  broadcast(text: string, exceptUserId?: string): void {
    for (const sub of this.subscribers.values()) if (sub.peer.user.id !== exceptUserId) sub.peer.send(text);
  }

  /**
   * Sends a presence window to every subscriber in its version, without what its `subscribed` already
   * said; the snapshot (count, list) is read once, and only when someone has something to hear.
   */
  async sendPresence(window: PresenceWindow, readSnapshot: () => Promise<OnlineSnapshot>): Promise<void> {
    const due = [...this.subscribers.values()].map((sub) => ({ sub, changes: changesAfter(window, sub.presenceMark) })).filter((d) => d.changes.length > 0);
    if (due.length === 0) return;
    const snapshot = await readSnapshot();
    const shared = new Map<string, string[]>();
    for (const { sub, changes } of due) {
      if (this.subscribers.get(sub.peer.id) !== sub) continue; // gone meanwhile
      const { version } = sub.peer;
      // Subscribers from before the window all hear the same; only those who came during it differ.
      const key = sub.presenceMark < window.firstSeq ? `${version}` : `${version}/${sub.presenceMark}`;
      let texts = shared.get(key);
      if (!texts) shared.set(key, (texts = frameVersions.presence(version, this.roomId, changes, snapshot)));
      for (const text of texts) sub.peer.send(text);
    }
  }

  /** Whether a subscriber's version needs the whole online list with presence. */
  needsOnlineList(): boolean {
    for (const sub of this.subscribers.values()) if (frameVersions.needsList(sub.peer.version)) return true;
    return false;
  }

  /** Counts a user's connection; true when it is the user's first here. */
  addConnection(user: User): boolean {
    const entry = this.localUsers.get(user.id);
    if (entry) {
      entry.connections++;
      return false;
    }
    this.localUsers.set(user.id, { user, connections: 1 });
    return true;
  }

  /** Uncounts a user's connection; true when it was the user's last here. */
  removeConnection(user: User): boolean {
    const entry = this.localUsers.get(user.id);
    if (!entry) return false;
    if (--entry.connections > 0) return false;
    this.localUsers.delete(user.id);
    return true;
  }
}
