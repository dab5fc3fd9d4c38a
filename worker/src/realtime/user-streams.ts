import { LIMITS, type UserEvent } from "@parley/protocol";
import type { AddressedUserEvent, Store } from "@parley/db";
import type { Logger } from "@parley/common";
import type { Bus } from "../ports/bus.ts";
import { encode, type Peer } from "./peer.ts";
import { SerialQueue } from "./serial-queue.ts";

/** A user's bus channel, treated like a room id (on Redis `…{r:_u:<id>}:bus`, on workerd a room object of that name). */
export const userChannelOf = (userId: string) => `_u:${userId}`;
const USER_CHANNEL = /^_u:(.+)$/;

/** The user whose stream a bus channel carries, if it is one. */
export const userOfChannel = (channel: string): string | undefined => USER_CHANNEL.exec(channel)?.[1];

/** Gap fills and replays read the store in pages of this many events. */
const FILL_PAGE = 500;

/** One user's stream on this worker: their subscribed connections and the last seq delivered. */
class UserChannel {
  readonly queue = new SerialQueue();
  /** Each connection's cursor: the highest seq it has been sent. */
  readonly subscribers = new Map<string, { peer: Peer; cursor: number }>();
  ready = false;
  delivered = 0;

  constructor(readonly userId: string) {}

  fanOut(event: UserEvent): void {
    if (event.seq <= this.delivered) return;
    this.delivered = event.seq;
    const text = encode(event);
    for (const sub of this.subscribers.values()) {
      if (event.seq <= sub.cursor) continue;
      sub.cursor = event.seq;
      sub.peer.send(text);
    }
  }
}

/**
 * Each user's own stream (parley.v2 `subscribeUser`): events addressed to one user, today the
 * mentions of them, numbered per user. The same guarantee as a room's: every connection of the
 * user, on any worker, gets each event exactly once and in order — from this worker's commits, from
 * the bus (at most once) and from the store whenever a seq is skipped or the bus was away.
 */
export class UserStreams {
  private readonly channels = new Map<string, UserChannel>();

  constructor(private readonly deps: { store: Store; bus: Bus; logger: Logger }) {}

  /**
   * Subscribes a connection to its user's stream, first replaying what was stored after `afterSeq`
   * (the newest LIMITS.replayMax when more was missed, with `limited: true`). `resumed`: as for
   * rooms, a connection whose worker was evicted is sent what it missed but no `userSubscribed`.
   */
  subscribe(peer: Peer, afterSeq?: number, resumed = false): Promise<void> {
    return this.run(peer.user.id, async (ch) => {
      await this.prepare(ch);
      const existing = ch.subscribers.get(peer.id);
      let from = Math.max(afterSeq ?? ch.delivered, existing?.cursor ?? 0);
      const limited = ch.delivered - from > LIMITS.replayMax;
      if (limited) from = ch.delivered - LIMITS.replayMax;
      const replay = from < ch.delivered ? await this.deps.store.userLog(ch.userId, from, ch.delivered, LIMITS.replayMax) : [];
      if (!resumed || limited) peer.send(encode({ type: "userSubscribed", lastSeq: ch.delivered, limited }));
      for (const event of replay) peer.send(encode(event));
      ch.subscribers.set(peer.id, { peer, cursor: ch.delivered });
    });
  }

  /** The connection's cursor in its user's stream, if it subscribed: what outlives an eviction. */
  cursorOf(peer: Peer): number | undefined {
    return this.channels.get(peer.user.id)?.subscribers.get(peer.id)?.cursor;
  }

  /** Forgets a closed connection. */
  async disconnect(peer: Peer): Promise<void> {
    if (!this.channels.get(peer.user.id)?.subscribers.has(peer.id)) return;
    await this.run(peer.user.id, async (ch) => void ch.subscribers.delete(peer.id));
  }

  /** Events this worker committed: delivered here and published to the workers holding those users. */
  published(events: AddressedUserEvent[]): void {
    for (const { userId, event } of events) {
      const channel = userChannelOf(userId);
      this.deps.bus
        .publish(channel, { kind: "user", userId, event })
        .catch((err) => this.deps.logger.warn({ err, channel }, "bus publish of a user event failed"));
      this.received(userId, event);
    }
  }

  /** An event from the bus, or one committed here. */
  received(userId: string, event: UserEvent): void {
    if (this.channels.has(userId)) void this.run(userId, (ch) => this.ingest(ch, event));
  }

  /** Delivers whatever the store has that this worker missed (lost publishes); run periodically and after the bus resumes. */
  async resync(): Promise<void> {
    const ready = [...this.channels.values()].filter((ch) => ch.ready);
    if (ready.length === 0) return;
    const lastSeqs = await this.deps.store.userLastSeqs(ready.map((ch) => ch.userId));
    await Promise.all(
      ready.filter((ch) => (lastSeqs.get(ch.userId) ?? 0) > ch.delivered).map((ch) => this.run(ch.userId, () => this.fill(ch, lastSeqs.get(ch.userId)!))),
    );
  }

  /** Users with a stream here, and their connections, for status and tests. */
  stats() {
    let subscriptions = 0;
    for (const ch of this.channels.values()) subscriptions += ch.subscribers.size;
    return { users: this.channels.size, subscriptions };
  }

  private run<T>(userId: string, task: (ch: UserChannel) => Promise<T>): Promise<T> {
    let ch = this.channels.get(userId);
    if (!ch) this.channels.set(userId, (ch = new UserChannel(userId)));
    const channel = ch;
    return channel.queue.run(
      () => task(channel),
      () => {
        if (channel.queue.size > 0 || channel.subscribers.size > 0 || this.channels.get(userId) !== channel) return;
        this.channels.delete(userId);
        if (channel.ready) this.deps.bus.unsubscribe(userChannelOf(userId)).catch((err) => this.deps.logger.warn({ err, userId }, "bus unsubscribe failed"));
      },
    );
  }

  /** Subscribed on the bus first, then caught up with the store: an event between is seen twice, never missed. */
  private async prepare(ch: UserChannel): Promise<void> {
    if (!ch.ready) {
      await this.deps.bus.subscribe(userChannelOf(ch.userId));
      ch.delivered = (await this.deps.store.userLastSeqs([ch.userId])).get(ch.userId) ?? 0;
      ch.ready = true;
      return;
    }
    const last = (await this.deps.store.userLastSeqs([ch.userId])).get(ch.userId) ?? 0;
    if (last > ch.delivered) await this.fill(ch, last);
  }

  private async ingest(ch: UserChannel, event: UserEvent): Promise<void> {
    if (!ch.ready || event.seq <= ch.delivered) return;
    if (event.seq > ch.delivered + 1) {
      try {
        await this.fill(ch, event.seq - 1);
      } catch (err) {
        // Out of order otherwise: resync() delivers both once the store answers.
        this.deps.logger.warn({ err, userId: ch.userId }, "user stream gap fill failed; waiting for resync");
        return;
      }
    }
    ch.fanOut(event);
  }

  private async fill(ch: UserChannel, toSeq: number): Promise<void> {
    while (ch.delivered < toSeq) {
      const page = await this.deps.store.userLog(ch.userId, ch.delivered, toSeq, FILL_PAGE);
      if (page.length === 0) return;
      for (const event of page) ch.fanOut(event);
    }
  }
}
