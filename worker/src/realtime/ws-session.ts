import { CLIENT_FRAME_TYPES, CLOSE_CODES, LIMITS, clientFrameSchema, type ClientFrame, type ServerFrame } from "@parley/protocol";
import { ApiError, type Clock, type Logger, toApiError, TokenBuckets } from "@parley/common";
import { rateLimited } from "../auth/auth-service.ts";
import { describeIssues } from "../http/body.ts";
import type { Suggester } from "../ports/suggester.ts";
import { SuggestionAbandoned } from "../suggest/abortable-stream.ts";
import type { MessageService } from "../messages/message-service.ts";
import type { Metrics } from "../metrics.ts";
import { encode, type Peer } from "./peer.ts";
import type { RoomHub } from "./room-hub.ts";
import { SerialQueue } from "./serial-queue.ts";
import { SocketAuth } from "./socket-auth.ts";
import type { Sessions } from "../auth/sessions.ts";
import { roomIdParam } from "../rooms/room-id.ts";

export interface SessionDeps {
  hub: RoomHub;
  messages: MessageService;
  suggester: Suggester;
  clock: Clock;
  logger: Logger;
  /** Frames of any type a connection may send in a window. */
  frameRate: { max: number; windowSeconds: number };
  /** Checks the tokens of `auth` frames; without it a connection is not held to its token's `exp`. */
  sessions?: Pick<Sessions, "authenticate">;
  /** Send→ack latency and rate-limit refusals; nothing is counted when absent. */
  metrics?: Metrics;
  /** Rooms one connection may be subscribed to at once; no limit when absent (workerd: what a socket's attachment holds). */
  maxRooms?: number;
}

type QueuedFrame = Exclude<ClientFrame, { type: "ping" | "suggest" | "auth" }>;

/** Rejected frames a connection may send before it is closed with 1008. */
const STRIKES = 20;
/** A user's typing notice goes out at most this often per room. */
const TYPING_INTERVAL_MS = 2000;
/**
 * Sends of one connection to rooms it is subscribed to that may be in flight at once. The store is
 * handed them in the order they came and keeps that order per room (group commit), so a client
 * that streams messages is not held to one commit per round trip; acks follow the commits.
 */
const SEND_PIPELINE = 16;

/**
 * The frame and strike buckets of every connection of one app, keyed by peer id: one map for all
 * connections costs an entry each, where two maps per connection would cost an idle socket more
 * than the socket itself. Full buckets of closed connections are pruned by TokenBuckets.
 */
export interface ConnectionLimits {
  frames: TokenBuckets;
  strikes: TokenBuckets;
}

export function connectionLimits(deps: Pick<SessionDeps, "frameRate" | "clock">): ConnectionLimits {
  return { frames: TokenBuckets.perWindow(deps.frameRate.max, deps.frameRate.windowSeconds, deps.clock), strikes: new TokenBuckets(STRIKES, 1, deps.clock) };
}

/** One WebSocket connection's frames: parsed, rate-limited and answered in the order they came. */
export class WsSession {
  private readonly queue = new SerialQueue();
  /** Room id → when this connection last sent typing there; made on the first typing frame. */
  private lastTyping?: Map<string, number>;
  private suggestion?: AbortController;
  private closed = false;
  private sending = 0;
  private readonly auth?: SocketAuth;

  constructor(
    readonly peer: Peer,
    private readonly deps: SessionDeps,
    /** Shared by every connection of the app (ws-route); a session alone gets its own. */
    private readonly limits: ConnectionLimits = connectionLimits(deps),
  ) {
    if (deps.sessions) this.auth = new SocketAuth(peer, deps.sessions, deps.clock);
  }

  /** Handles one text frame from the client. */
  receive(text: string): void {
    if (this.closed) return;
    if (text.length > LIMITS.frameBytes) return this.peer.close(CLOSE_CODES.tooBig, "frame too large");
    const decision = this.limits.frames.take(this.peer.id);
    if (!decision.ok) return this.reject({ type: "error", ...errorFields(rateLimited(decision, "frames")) });
    const frame = parseFrame(text);
    if ("error" in frame) return this.reject({ type: "error", code: "invalid_request", message: frame.error, ...frame.ids });
    if (frame.type === "ping") return this.send({ type: "pong" });
    if (frame.type === "suggest") return void this.suggest(frame);
    // Not queued: a fresh token must not wait behind slow sends while the old one runs out.
    if (frame.type === "auth") {
      if (!this.auth) return this.send({ type: "error", code: "invalid_request", message: "this connection takes no auth frames" });
      return void this.auth.renew(frame.token, (reply) => this.send(reply));
    }
    void this.queue.run(() => this.handle(frame));
  }

  /**
   * Brings back the subscriptions a connection had before its worker was evicted (workerd
   * hibernation), each from its cursor, ahead of any frame it sends from now on. A room the user
   * left meanwhile ends with `unsubscribed`.
   */
  resume(rooms: Record<string, number>, userCursor?: number): Promise<void> {
    const { hub } = this.deps;
    const again = (roomId: string, cursor: number) =>
      hub.subscribe(this.peer, roomId, cursor, true).catch((error: unknown) => {
        const { code } = toApiError(error);
        if (code === "forbidden" || code === "not_found") this.send({ type: "unsubscribed", roomId, reason: "left" });
        else this.fail({ type: "subscribe", roomId }, error);
      });
    return this.queue.run(async () => {
      if (this.closed) return;
      const user =
        userCursor === undefined
          ? undefined
          : hub.users.subscribe(this.peer, userCursor, true).catch((error: unknown) => this.fail({ type: "subscribeUser" }, error));
      await Promise.all([user, ...Object.entries(rooms).map(([roomId, cursor]) => again(roomId, cursor))]);
    });
  }

  /** The connection is gone: cancel work and leave every room. */
  async close(): Promise<void> {
    this.closed = true;
    this.suggestion?.abort();
    this.auth?.stop();
    // A subscribe still running would add the peer back after disconnect: let it finish first.
    await this.queue.run(async () => {});
    await this.deps.hub.disconnect(this.peer);
  }

  private async handle(frame: QueuedFrame): Promise<void> {
    const { hub, messages } = this.deps;
    const user = this.peer.user;
    if (this.closed) return;
    try {
      switch (frame.type) {
        case "subscribe": {
          const roomId = roomIdParam(frame.roomId);
          const { maxRooms } = this.deps;
          if (maxRooms !== undefined && !hub.isSubscribed(this.peer, roomId) && Object.keys(hub.cursorsOf(this.peer)).length >= maxRooms) {
            throw new ApiError("too_large", `a connection here holds at most ${maxRooms} rooms; unsubscribe from one first`);
          }
          return await hub.subscribe(this.peer, roomId, frame.afterSeq);
        }
        case "unsubscribe":
          return await hub.unsubscribe(this.peer, frame.roomId);
        case "subscribeUser":
          if (this.peer.version < 2) throw new ApiError("invalid_request", "the user stream is part of parley.v2; connect with that subprotocol");
          return await hub.users.subscribe(this.peer, frame.afterSeq);
        case "message": {
          const known = hub.isSubscribed(this.peer, frame.roomId);
          const arrived = this.deps.clock.now();
          // send() hands the message to the store before its first await when the membership is known.
          const settled = messages.send(user, frame.roomId, frame.body, frame.clientId, known, frame).then(
            ({ message }) => {
              this.send({ type: "ack", clientId: frame.clientId, message });
              this.deps.metrics?.sendAcked(this.deps.clock.now() - arrived);
            },
            (error: unknown) => this.fail(frame, error),
          );
          if (!known) return await settled;
          this.sending++;
          const done = settled.finally(() => this.sending--);
          // Back-pressure: the frames behind wait while the pipeline is full.
          if (this.sending >= SEND_PIPELINE) await done;
          return;
        }
        case "edit":
          return this.send({ type: "ack", clientId: frame.clientId, message: await messages.edit(user, frame.roomId, frame.messageId, frame.body) });
        case "delete":
          return this.send({ type: "ack", clientId: frame.clientId, message: await messages.delete(user, frame.roomId, frame.messageId) });
        case "react": {
          const reactions = await messages.react(user, frame.roomId, frame.messageId, frame.emoji, frame.on);
          return this.send({ type: "reactions", clientId: frame.clientId, roomId: frame.roomId, messageId: frame.messageId, reactions });
        }
        case "typing": {
          if (!hub.isSubscribed(this.peer, frame.roomId)) {
            return this.send({ type: "error", code: "forbidden", message: "subscribe to the room before typing in it", roomId: frame.roomId });
          }
          const now = this.deps.clock.now();
          this.lastTyping ??= new Map();
          if (now - (this.lastTyping.get(frame.roomId) ?? -Infinity) < TYPING_INTERVAL_MS) return;
          this.lastTyping.set(frame.roomId, now);
          return hub.typing(frame.roomId, user);
        }
      }
    } catch (error) {
      this.fail(frame, error);
    }
  }

  /** Answers a frame that failed with its error, keeping its room and clientId for the client. */
  private fail(frame: QueuedFrame, error: unknown): void {
    const apiError = toApiError(error);
    if (apiError.code === "internal") this.deps.logger.error({ err: error, frame: frame.type }, "frame failed");
    const ids = "clientId" in frame ? { clientId: frame.clientId } : {};
    this.send({ type: "error", ...errorFields(apiError), ...("roomId" in frame ? { roomId: frame.roomId } : {}), ...ids });
  }

  /** Streams a suggestion; a newer request cancels the one in flight. */
  private async suggest(frame: Extract<ClientFrame, { type: "suggest" }>): Promise<void> {
    this.suggestion?.abort();
    const controller = (this.suggestion = new AbortController());
    const { requestId } = frame;
    let source = "off";
    try {
      // A subscription ends when the user leaves the room, so a subscribed peer is a member (as for `message`).
      if (!this.deps.hub.isSubscribed(this.peer, frame.roomId)) await this.deps.messages.requireMember(frame.roomId, this.peer.user.id);
      const stream = this.deps.suggester.suggest({ user: this.peer.user, roomId: frame.roomId, text: frame.text, signal: controller.signal });
      for await (const chunk of stream) {
        if (controller.signal.aborted) return;
        source = chunk.source;
        if (chunk.delta) this.send({ type: "suggestion", requestId, delta: chunk.delta, done: false, source });
      }
      if (!controller.signal.aborted) this.send({ type: "suggestion", requestId, delta: "", done: true, source });
    } catch (error) {
      if (controller.signal.aborted) return;
      // Past its deadline a suggestion ends with no more text.
      if (error instanceof SuggestionAbandoned) return this.send({ type: "suggestion", requestId, delta: "", done: true, source: error.source });
      this.send({ type: "error", ...errorFields(toApiError(error)), requestId });
    }
  }

  private reject(frame: ServerFrame): void {
    this.send(frame);
    if (!this.limits.strikes.take(this.peer.id).ok) this.peer.close(CLOSE_CODES.policyViolation, "too many rejected frames");
  }

  private send(frame: ServerFrame): void {
    if (frame.type === "error" && frame.code === "rate_limited") this.deps.metrics?.rateLimited("ws");
    if (!this.closed) this.peer.send(encode(frame));
  }
}

function errorFields(error: ReturnType<typeof toApiError>) {
  return { code: error.code, message: error.message, ...(error.retryAfter ? { retryAfter: error.retryAfter } : {}) };
}

/** Parses a client frame, or explains what is wrong with it (keeping its ids so the client can match the error). */
function parseFrame(text: string): ClientFrame | { error: string; ids: { requestId?: string; clientId?: string } } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "frames must be JSON objects", ids: {} };
  }
  const ids = pickIds(value);
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "frames must be JSON objects", ids };
  if (typeof type !== "string" || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    return { error: `unknown frame type; expected one of ${CLIENT_FRAME_TYPES.join(", ")}`, ids };
  }
  const result = clientFrameSchema.safeParse(value);
  return result.success ? result.data : { error: `bad ${type} frame: ${describeIssues(result.error)}`, ids };
}

function pickIds(value: unknown): { requestId?: string; clientId?: string } {
  const ids: { requestId?: string; clientId?: string } = {};
  if (typeof value !== "object" || value === null) return ids;
  const { requestId, clientId } = value as Record<string, unknown>;
  if (typeof requestId === "string" && requestId.length <= LIMITS.requestIdMax) ids.requestId = requestId;
  if (typeof clientId === "string" && clientId.length <= LIMITS.clientIdMax) ids.clientId = clientId;
  return ids;
}
