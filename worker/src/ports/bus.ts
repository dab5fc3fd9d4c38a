import type { Message, RoomEvent as StreamEvent, Upload, User, UserEvent } from "@parley/protocol";
import type { MentionRequest } from "@parley/db";

/** What workers tell each other about a room. */
export type RoomEvent =
  | { kind: "message"; message: Message }
  /** An edit, deletion or reaction stored at the room's next seq (parley.v2's `event` frame). */
  | { kind: "event"; event: StreamEvent }
  /** A user's first connection to the room anywhere, or last one gone: receivers read counts and lists from Presence. */
  | { kind: "presence"; roomId: string; event: "join" | "leave"; user: User }
  | { kind: "typing"; roomId: string; user: User }
  /** An event of one user's stream, on that user's channel (userChannelOf). */
  | { kind: "user"; userId: string; event: UserEvent }
  /** The user left the room, or was removed from it (`reason` "removed"): every worker drops that user's subscriptions to it. */
  | { kind: "left"; roomId: string; userId: string; reason?: "removed" }
  /** A token or session was revoked: every worker closes the sockets using it (on SESSIONS_CHANNEL). */
  | { kind: "revoked"; jti: string }
  /** The user signed out everywhere (or changed password): every worker closes the sockets of tokens issued up to `before`. */
  | { kind: "signed-out"; userId: string; before: number }
  /** Sends forwarded to the worker that owns their rooms, on its inbox (inboxOf): it stores them and answers to `replyTo`. */
  | { kind: "append"; replyTo: string; messages: ForwardedMessage[] }
  /** The owner got an `append` and is storing its sends: the sender now waits longer before storing them itself. */
  | { kind: "accepted"; ids: string[] }
  /** The owner's answers to an `append`, on the sender's inbox, one per message. */
  | { kind: "appended"; answers: AppendAnswer[] };

/** A send as forwarded: the store's NewMessage with its time as an ISO string (JSON on Redis). */
export interface ForwardedMessage {
  id: string;
  roomId: string;
  user: User;
  body: string;
  clientId: string | null;
  createdAt: string;
  parentId?: string;
  alsoToRoom?: boolean;
  addressed?: MentionRequest;
  /** Upload ids. */
  attachments?: string[];
}

/**
 * The owner's answer to one forwarded send: its seq when this send stored it, the stored message
 * when it was there already (a repeated clientId), or an error: `not_member` (nothing stored),
 * `unavailable` (the database did not answer in time), `failed` (the sender stores it itself).
 */
export type AppendAnswer =
  | { id: string; seq: number; mentions?: string[]; attachments?: Upload[] }
  | { id: string; existing: Message }
  | { id: string; error: "not_member" | "unavailable" | "failed" };

/** The events of a worker's inbox. */
export type InboxEvent = Extract<RoomEvent, { kind: "append" | "accepted" | "appended" }>;

/** A worker's inbox: the bus channel, treated like a room id, on which the others reach that worker alone. */
export const inboxOf = (workerId: string) => `_w:${workerId}`;

/** The events of SESSIONS_CHANNEL. */
export type SessionEvent = Extract<RoomEvent, { kind: "revoked" | "signed-out" }>;

/** The bus channel every worker listens on for events that are not about one room. */
export const SESSIONS_CHANNEL = "_sessions";

export type RoomEventHandler = (roomId: string, event: RoomEvent) => void;

/**
 * Room fan-out between workers. At most once: a publish may be lost (Redis pub/sub), so receivers
 * must not rely on seeing every event; a worker never receives its own publishes.
 */
export interface Bus {
  publish(roomId: string, event: RoomEvent): Promise<void>;
  /** Starts receiving the room's events from other workers; resolves once the subscription is live. */
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
  /** Sets the one receiver of other workers' events. */
  onEvent(handler: RoomEventHandler): void;
  /** Called after the bus lost its connection and got it back: events in between may be lost. */
  onResume(handler: () => void): void;
  /** Resolves when the bus answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An in-process bus network: each `node()` is one worker's Bus. With a single node it is the
 * embedded default; with several it lets tests run many workers in one process. `drop` lets a
 * test lose publishes on purpose.
 */
export class MemoryBusNetwork {
  private readonly nodes = new Set<MemoryBus>();
  /** Return true to lose a publish, as Redis pub/sub may. */
  drop: (roomId: string, event: RoomEvent) => boolean = () => false;

  node(): Bus {
    const bus = new MemoryBus(this);
    this.nodes.add(bus);
    return bus;
  }

  /** @internal */
  deliver(from: MemoryBus, roomId: string, event: RoomEvent): void {
    if (this.drop(roomId, event)) return;
    const copy = structuredClone(event);
    for (const node of this.nodes) if (node !== from) node.receive(roomId, copy);
  }

  /** @internal */
  remove(bus: MemoryBus): void {
    this.nodes.delete(bus);
  }
}

class MemoryBus implements Bus {
  private readonly rooms = new Set<string>();
  private handler: RoomEventHandler = () => {};

  constructor(private readonly network: MemoryBusNetwork) {}

  async publish(roomId: string, event: RoomEvent) {
    // Asynchronous like a real broker, so nobody comes to depend on synchronous delivery.
    setImmediate(() => this.network.deliver(this, roomId, event));
  }
  async subscribe(roomId: string) {
    this.rooms.add(roomId);
  }
  async unsubscribe(roomId: string) {
    this.rooms.delete(roomId);
  }
  onEvent(handler: RoomEventHandler) {
    this.handler = handler;
  }
  onResume() {}
  async ping() {}
  async close() {
    this.network.remove(this);
  }
  receive(roomId: string, event: RoomEvent) {
    if (this.rooms.has(roomId)) this.handler(roomId, event);
  }
}
