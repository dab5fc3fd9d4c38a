import { LIMITS, type Message, type RoomEvent as StreamEvent, type User } from "@parley/protocol";
import type { Store } from "@parley/db";
import type { Logger } from "@parley/common";
import { SESSIONS_CHANNEL, type Bus, type InboxEvent, type RoomEvent, type SessionEvent } from "../ports/bus.ts";
import { noMetrics, type Metrics } from "../metrics.ts";
import type { Presence } from "../ports/presence.ts";
import { frameVersions, isRoomEvent } from "./frame-versions.ts";
import { readOnline, readSnapshot } from "./online-snapshot.ts";
import { encode, type Peer } from "./peer.ts";
import { PresenceCoalescer, type PresenceWindow, type Scheduler } from "./presence-coalescer.ts";
import { RoomChannel } from "./room-channel.ts";
import { RoomGate } from "../rooms/room-gate.ts";
import { UserStreams } from "./user-streams.ts";
import type { AddressedUserEvent } from "@parley/db";

/** A room's stream in seq order: a message (its creation), or an edit, deletion or reaction. */
type LogEntry = Message | StreamEvent;
const timeOf = (entry: LogEntry) => (isRoomEvent(entry) ? entry.at : entry.createdAt);

/** Why a subscription ended, as the `unsubscribed` frame says it. */
type EndReason = "left" | "requested" | "removed";

/** Gap fills and replays read the store in pages of this many log entries. */
const FILL_PAGE = 500;

export interface HubDeps {
  store: Store;
  bus: Bus;
  presence: Presence;
  logger: Logger;
  /** Presence changes are coalesced per room over this window (PRESENCE_WINDOW_MS when absent). */
  presenceWindowMs?: number;
  /** Runs the windows' flushes; setTimeout when absent. */
  schedule?: Scheduler;
  /** Deliveries, fan-out latency and gap fills; nothing is counted when absent. */
  metrics?: Metrics;
}

/**
 * Real-time rooms on one worker. Messages reach local subscribers exactly once and in seq order:
 * from this worker's own commits, from the bus (at most once), and from the store whenever a seq
 * is skipped. Presence is counted per user: a user's first connection in a room makes a `join`,
 * the last one gone a `leave`; joins and leaves, local or from the bus, reach subscribers coalesced
 * per room window (PresenceCoalescer), in each connection's protocol version (frame-versions.ts).
 */
export class RoomHub {
  private readonly channels = new Map<string, RoomChannel>();
  private readonly peerRooms = new Map<string, Set<string>>();
  private revokedListener: (event: SessionEvent) => void = () => {};
  private inboxListener: (event: InboxEvent) => void = () => {};
  private readonly coalescer: PresenceCoalescer;
  private readonly metrics: Metrics;
  /** The users' own streams (mentions), on the same bus and store. */
  readonly users: UserStreams;
  private readonly gate: RoomGate;

  constructor(private readonly deps: HubDeps) {
    this.metrics = deps.metrics ?? noMetrics;
    this.users = new UserStreams(deps);
    this.gate = new RoomGate(deps.store);
    this.coalescer = new PresenceCoalescer(
      (roomId, window) => void this.flushPresence(roomId, window).catch((err) => deps.logger.warn({ err, roomId }, "presence flush failed")),
      deps.presenceWindowMs,
      deps.schedule,
    );
    deps.bus.onEvent((roomId, event) => this.onBusEvent(roomId, event));
    deps.bus.onResume(() => void this.resync());
  }

  /**
   * Subscribes a peer to a room. With `afterSeq`, first replays what was stored after it (the newest
   * LIMITS.replayMax when more was missed, with `limited: true`). Members only: membership is read on
   * the room's queue, so a leave answered before it refuses the subscribe, and one answered after it
   * finds the subscriber (its removal runs on the same queue) and ends it. `resumed`: the connection
   * was subscribed before its worker was evicted (workerd hibernation) and `afterSeq` is its cursor;
   * it is sent what it missed but no `subscribed`, unless the replay had to be cut (`limited`).
   */
  subscribe(peer: Peer, roomId: string, afterSeq?: number, resumed = false): Promise<void> {
    return this.run(roomId, async (ch) => {
      const existing = ch.subscribers.get(peer.id);
      const again = existing !== undefined;
      if (!again) await this.gate.member(roomId, peer.user.id);
      await this.prepare(ch);
      // A connection subscribing again is never sent what it was already sent, whatever afterSeq says.
      let from = Math.max(afterSeq ?? ch.delivered, existing?.cursor ?? 0);
      const limited = ch.delivered - from > LIMITS.replayMax;
      if (limited) from = ch.delivered - LIMITS.replayMax;
      const replay = from < ch.delivered ? await this.deps.store.log(roomId, from, ch.delivered, LIMITS.replayMax) : [];
      if (!again) {
        this.trackPeerRoom(peer.id, roomId, true);
        if (ch.addConnection(peer.user)) await this.announce(ch, peer.user, "join");
      }
      // Taken before the read: every change up to it is in the list read, so it is not sent again.
      const presenceMark = this.coalescer.mark();
      const online = await readOnline(this.deps.presence, ch);
      if (!resumed || limited) {
        // v2 tells the reader where they are; counted up to `lastSeq`, as what follows arrives live.
        const readState = frameVersions.needsReadState(peer.version)
          ? (await this.deps.store.readStates(peer.user.id, [roomId], new Map([[roomId, ch.delivered]]))).get(roomId)
          : undefined;
        peer.send(frameVersions.subscribed(peer.version, { roomId, online, lastSeq: ch.delivered, limited }, readState));
      }
      for (const entry of replay) {
        const text = frameVersions.entry(peer.version, entry);
        if (text !== undefined) peer.send(text);
      }
      // Everything up to `delivered` was replayed or is behind the client; an afterSeq past it (a stale
      // client, a restored database) must not hold back the messages stored from now on.
      ch.subscribers.set(peer.id, { peer, cursor: ch.delivered, presenceMark });
    });
  }

  /** Ends a peer's subscription; `reason` is sent to the peer as `unsubscribed`. */
  unsubscribe(peer: Peer, roomId: string, reason: EndReason = "requested"): Promise<void> {
    if (!this.channels.has(roomId)) return Promise.resolve();
    return this.run(roomId, (ch) => this.endSubscription(ch, peer, reason));
  }

  /** Forgets a closed connection everywhere. */
  async disconnect(peer: Peer): Promise<void> {
    const rooms = [...(this.peerRooms.get(peer.id) ?? [])];
    this.peerRooms.delete(peer.id);
    await Promise.all([
      this.users.disconnect(peer),
      ...rooms.map((roomId) =>
        this.run(roomId, async (ch) => {
          if (!ch.subscribers.delete(peer.id)) return;
          if (ch.removeConnection(peer.user)) await this.announce(ch, peer.user, "leave");
        }),
      ),
    ]);
  }

  /** Each room the peer is subscribed to, with the last seq it was sent: what outlives an eviction with its socket. */
  cursorsOf(peer: Peer): Record<string, number> {
    const cursors: Record<string, number> = {};
    for (const roomId of this.peerRooms.get(peer.id) ?? []) {
      const sub = this.channels.get(roomId)?.subscribers.get(peer.id);
      if (sub) cursors[roomId] = sub.cursor;
    }
    return cursors;
  }

  isSubscribed(peer: Peer, roomId: string): boolean {
    return this.channels.get(roomId)?.subscribers.has(peer.id) ?? false;
  }

  /**
   * A message or event this worker committed, and the users' events stored with it (mentions):
   * deliver them here and tell the other workers.
   */
  published(entry: LogEntry, userEvents: AddressedUserEvent[] = []): void {
    if (isRoomEvent(entry)) this.publish(entry.roomId, { kind: "event", event: entry });
    else {
      this.metrics.messageStored();
      this.publish(entry.roomId, { kind: "message", message: entry });
    }
    if (this.channels.has(entry.roomId)) void this.run(entry.roomId, (ch) => this.ingest(ch, entry));
    if (userEvents.length > 0) this.users.published(userEvents);
  }

  /**
   * `@here` in a message this worker stored: the members online now get a mention. Presence is not
   * in the database, and reading it before the store would let a later send overtake this one; so
   * these mentions are stored just after the message, in a transaction of their own (a worker that
   * dies in between leaves them out: `@here` is best effort, like presence).
   */
  async mentionOnline(message: Message): Promise<void> {
    try {
      const online = await this.deps.presence.online(message.roomId);
      this.users.published(
        await this.deps.store.mentionOnline(
          message,
          online.map((u) => u.id),
        ),
      );
    } catch (err) {
      this.deps.logger.warn({ err, roomId: message.roomId }, "@here mentions failed");
    }
  }

  /**
   * A message another worker committed for a send made here (its answer to a forward): delivered
   * to the subscribers here only, since the committing worker published it. The seq cursor keeps
   * it exactly once should that publish arrive too.
   */
  delivered(message: Message): void {
    if (this.channels.has(message.roomId)) void this.run(message.roomId, (ch) => this.ingest(ch, message));
  }

  /** Tells the room's other users that `user` is typing. */
  typing(roomId: string, user: User): void {
    this.channels.get(roomId)?.broadcast(encode({ type: "typing", roomId, user }), user.id);
    this.publish(roomId, { kind: "typing", roomId, user });
  }

  /** The user left the room: their subscriptions end on every worker. */
  left(roomId: string, userId: string): Promise<void> {
    this.publish(roomId, { kind: "left", roomId, userId });
    return this.dropUser(roomId, userId);
  }

  /** The user was kicked or banned: as `left`, their subscriptions end on every worker, with reason "removed" (v2). */
  removed(roomId: string, userId: string): Promise<void> {
    this.publish(roomId, { kind: "left", roomId, userId, reason: "removed" });
    return this.dropUser(roomId, userId, "removed");
  }

  /** Announces the users of dead workers as gone; run periodically. */
  async sweep(): Promise<void> {
    for (const { roomId, user } of await this.deps.presence.sweep()) this.emitPresence(roomId, "leave", user);
  }

  /**
   * Delivers whatever the store has that this worker missed (lost publishes), and ends the
   * subscriptions of users who left meanwhile (a lost `left` publish); run periodically.
   */
  async resync(): Promise<void> {
    await this.users.resync().catch((err) => this.deps.logger.warn({ err }, "user stream resync failed"));
    const ready = [...this.channels.values()].filter((ch) => ch.ready);
    if (ready.length === 0) return;
    const lastSeqs = await this.deps.store.lastSeqs(ready.map((ch) => ch.roomId));
    await Promise.all(
      ready.filter((ch) => (lastSeqs.get(ch.roomId) ?? 0) > ch.delivered).map((ch) => this.run(ch.roomId, () => this.fill(ch, lastSeqs.get(ch.roomId)!))),
    );
    const pairs = ready.flatMap((ch) => [...ch.localUsers.keys()].map((userId) => ({ roomId: ch.roomId, userId })));
    const members = await this.deps.store.memberPairs(pairs);
    await Promise.all(pairs.filter((p) => !members.has(`${p.roomId}|${p.userId}`)).map((p) => this.dropUser(p.roomId, p.userId)));
  }

  /** Local connections and rooms, for status and tests. */
  stats() {
    let subscriptions = 0;
    for (const ch of this.channels.values()) subscriptions += ch.subscribers.size;
    return { rooms: this.channels.size, connections: this.peerRooms.size, subscriptions };
  }

  /** Runs a task on a room's queue, creating the room's channel if needed and dropping it when idle. */
  private run<T>(roomId: string, task: (ch: RoomChannel) => Promise<T>): Promise<T> {
    let ch = this.channels.get(roomId);
    if (!ch) this.channels.set(roomId, (ch = new RoomChannel(roomId)));
    const channel = ch;
    return channel.queue.run(
      () => task(channel),
      () => {
        if (channel.queue.size > 0 || channel.subscribers.size > 0 || this.channels.get(roomId) !== channel) return;
        this.channels.delete(roomId);
        if (channel.ready) this.deps.bus.unsubscribe(roomId).catch((error) => this.deps.logger.warn({ err: error, roomId }, "bus unsubscribe failed"));
      },
    );
  }

  /** Makes a channel live: subscribed on the bus, then caught up with the store. */
  private async prepare(ch: RoomChannel): Promise<void> {
    if (!ch.ready) {
      // Subscribe first: a message published between the two steps is then seen twice, never missed.
      await this.deps.bus.subscribe(ch.roomId);
      ch.delivered = (await this.deps.store.lastSeqs([ch.roomId])).get(ch.roomId) ?? 0;
      ch.ready = true;
      return;
    }
    const last = (await this.deps.store.lastSeqs([ch.roomId])).get(ch.roomId) ?? 0;
    if (last > ch.delivered) await this.fill(ch, last);
  }

  /** Delivers a log entry, first filling any seq gap before it from the store. */
  private async ingest(ch: RoomChannel, entry: LogEntry): Promise<void> {
    if (!ch.ready || entry.seq <= ch.delivered) return;
    if (entry.seq > ch.delivered + 1) {
      try {
        await this.fill(ch, entry.seq - 1);
      } catch (error) {
        // Delivering now would be out of order: hold it; resync() delivers both once the store answers.
        this.deps.logger.warn({ err: error, roomId: ch.roomId }, "gap fill failed; waiting for resync");
        return;
      }
    }
    this.metrics.delivered(ch.fanOut(entry), timeOf(entry));
  }

  /** Delivers every stored message and event after `ch.delivered` up to `toSeq`. */
  private async fill(ch: RoomChannel, toSeq: number): Promise<void> {
    while (ch.delivered < toSeq) {
      const page = await this.deps.store.log(ch.roomId, ch.delivered, toSeq, FILL_PAGE);
      if (page.length === 0) return;
      for (const entry of page) this.metrics.delivered(ch.fanOut(entry));
      this.metrics.gapFilled(page.length);
    }
  }

  /** Called when another worker revoked a token or signed a user out: those sockets here must close. */
  onRevoked(listener: (event: SessionEvent) => void): Promise<void> {
    this.revokedListener = listener;
    return this.deps.bus.subscribe(SESSIONS_CHANNEL);
  }

  /** Tells every worker that a token or session was revoked, or a user signed out everywhere. */
  revoked(event: SessionEvent): void {
    this.publish(SESSIONS_CHANNEL, event);
  }

  /** Receives the events other workers send to `channel`, this worker's inbox (see inboxOf). */
  onInbox(channel: string, listener: (event: InboxEvent) => void): Promise<void> {
    this.inboxListener = listener;
    return this.deps.bus.subscribe(channel);
  }

  /** Sends an event to one worker's inbox. */
  tell(channel: string, event: InboxEvent): Promise<void> {
    return this.deps.bus.publish(channel, event);
  }

  private onBusEvent(roomId: string, event: RoomEvent): void {
    if (event.kind === "revoked" || event.kind === "signed-out") return this.revokedListener(event);
    if (event.kind === "append" || event.kind === "accepted" || event.kind === "appended") return this.inboxListener(event);
    if (event.kind === "user") return this.users.received(event.userId, event.event);
    const ch = this.channels.get(roomId);
    if (!ch) return;
    switch (event.kind) {
      case "message":
        void this.run(roomId, (c) => this.ingest(c, event.message));
        break;
      case "event":
        void this.run(roomId, (c) => this.ingest(c, event.event));
        break;
      case "presence":
        this.coalescer.add(roomId, event.event, event.user);
        break;
      case "typing":
        ch.broadcast(encode({ type: "typing", roomId, user: event.user }), event.user.id);
        break;
      case "left":
        void this.dropUser(roomId, event.userId, event.reason ?? "left");
        break;
    }
  }

  /** Ends a user's subscriptions to a room, on the room's queue: after any subscribe already under way. */
  private dropUser(roomId: string, userId: string, reason: EndReason = "left"): Promise<void> {
    if (!this.channels.has(roomId)) return Promise.resolve();
    return this.run(roomId, async (ch) => {
      const peers = [...ch.subscribers.values()].filter((s) => s.peer.user.id === userId).map((s) => s.peer);
      for (const peer of peers) await this.endSubscription(ch, peer, reason);
    });
  }

  private async endSubscription(ch: RoomChannel, peer: Peer, reason: EndReason): Promise<void> {
    if (!ch.subscribers.delete(peer.id)) return;
    this.trackPeerRoom(peer.id, ch.roomId, false);
    peer.send(frameVersions.unsubscribed(peer.version, ch.roomId, reason));
    if (ch.removeConnection(peer.user)) await this.announce(ch, peer.user, "leave");
  }

  /** Records a user's first or last local connection in the shared presence, and tells everyone if it changed. */
  private async announce(ch: RoomChannel, user: User, event: "join" | "leave"): Promise<void> {
    const { presence, logger } = this.deps;
    try {
      const changed = event === "join" ? await presence.add(ch.roomId, user) : await presence.remove(ch.roomId, user);
      if (changed) this.emitPresence(ch.roomId, event, user);
    } catch (error) {
      // Presence is best effort: chat goes on while Redis is away.
      logger.warn({ err: error, roomId: ch.roomId }, `presence ${event} failed`);
    }
  }

  /** A change this worker saw first: its subscribers hear it at the window's end, the other workers now. */
  private emitPresence(roomId: string, event: "join" | "leave", user: User) {
    this.coalescer.add(roomId, event, user);
    this.publish(roomId, { kind: "presence", roomId, event, user });
  }

  /** Sends a window's changes to the room's subscribers, with the count (and list) read once for all. */
  private async flushPresence(roomId: string, window: PresenceWindow): Promise<void> {
    const ch = this.channels.get(roomId);
    if (ch) await ch.sendPresence(window, () => readSnapshot(this.deps.presence, ch, ch.needsOnlineList()));
  }

  private publish(roomId: string, event: RoomEvent) {
    this.deps.bus.publish(roomId, event).catch((error) => this.deps.logger.warn({ err: error, roomId, kind: event.kind }, "bus publish failed"));
  }

  private trackPeerRoom(peerId: string, roomId: string, add: boolean) {
    let rooms = this.peerRooms.get(peerId);
    if (add) {
      if (!rooms) this.peerRooms.set(peerId, (rooms = new Set()));
      rooms.add(roomId);
    } else if (rooms) {
      rooms.delete(roomId);
      if (rooms.size === 0) this.peerRooms.delete(peerId);
    }
  }
}
