import {
  fullJitterBackoff,
  WS_BEARER_PREFIX,
  WS_SUBPROTOCOL,
  type Backoff,
  type BackoffPolicy,
  type ClientFrame,
  type ServerFrame,
} from "@parley/protocol/client";

/** Where the connection is. `offline`: the browser has no network, so no attempts are made. */
export type SocketState = "idle" | "connecting" | "connected" | "reconnecting" | "offline" | "closed";

/** The part of the browser's WebSocket this client uses; tests pass a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** How the last connection ended, for `beforeConnect`. */
export interface LastClose {
  /** False when the upgrade was refused (browsers do not tell why: a 401 looks like any failure). */
  opened: boolean;
  code: number;
}

type MessageFrame = Extract<ClientFrame, { type: "message" }>;

export interface SocketClientOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  token: () => string | undefined;
  /** The seq to resubscribe a room after (the newest one the client holds), or undefined for no replay. */
  afterSeq: (roomId: string) => number | undefined;
  /** The seq to resubscribe the user's own stream after, once `subscribeUser` was called. */
  userAfterSeq?: () => number | undefined;
  /**
   * Runs before every attempt: refresh a token that is about to expire, and after a refused upgrade
   * (`last.opened` false: a browser hides its HTTP status, so a 401 looks like a network failure)
   * find out whether the session is over. Undefined `last` for the first attempt.
   */
  beforeConnect?: (last?: LastClose) => Promise<void>;
  /** Reconnect waits: full jitter from half a second, doubling, up to 15 s unless given. */
  backoff?: BackoffPolicy;
  random?: () => number;
  /** A ping goes out this often; a connection silent for twice as long is considered dead. */
  pingIntervalMs?: number;
}

const OPEN = 1;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 15_000 };

/**
 * Parley's WebSocket client: authenticates with the browser subprotocol list, reconnects with
 * full-jitter backoff, resubscribes every room with `afterSeq`, and resends unacknowledged
 * messages with their original `clientId` (the server stores a repeated clientId only once).
 */
export class SocketClient {
  state: SocketState = "idle";
  /** Failed attempts since the last good connection. */
  attempt = 0;
  /** When the next attempt is due (ms since epoch), while `reconnecting`. */
  retryAt = 0;
  private ws?: WebSocketLike;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private pingTimer?: ReturnType<typeof setInterval>;
  private lastHeard = 0;
  private lastClose?: LastClose;
  private readonly rooms = new Set<string>();
  /** Whether the user's own stream (parley.v2 `subscribeUser`) is wanted on every connection. */
  private userStream = false;
  private readonly pending = new Map<string, MessageFrame>();
  private readonly frameListeners = new Set<(frame: ServerFrame) => void>();
  private readonly stateListeners = new Set<(state: SocketState) => void>();
  private readonly backoff: Backoff;

  constructor(private readonly options: SocketClientOptions) {
    this.backoff = fullJitterBackoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  /** Listens to every frame from the server; returns the unsubscriber. */
  onFrame(listener: (frame: ServerFrame) => void) {
    this.frameListeners.add(listener);
    return () => void this.frameListeners.delete(listener);
  }
  onState(listener: (state: SocketState) => void) {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
  }

  connect() {
    if (this.state === "connecting" || this.state === "connected") return;
    clearTimeout(this.retryTimer);
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const begin = this.options.beforeConnect?.(this.lastClose) ?? Promise.resolve();
    begin.catch(() => {}).then(() => this.open());
  }

  /** Closes for good (sign-out): no reconnect. */
  disconnect() {
    this.teardown();
    this.lastClose = undefined;
    this.rooms.clear();
    this.userStream = false;
    this.pending.clear();
    this.attempt = 0;
    this.setState("closed");
  }

  /** The browser's online/offline events: go quiet while offline, try at once when back. */
  setOnline(online: boolean) {
    if (!online) {
      this.teardown();
      this.setState("offline");
    } else if (this.state === "offline" || this.state === "reconnecting") {
      this.attempt = 0;
      this.state = "idle";
      this.connect();
    }
  }

  /** Subscribes a room on this connection and every next one; a room already subscribed is left as it is. */
  subscribe(roomId: string) {
    if (this.rooms.has(roomId)) return;
    this.rooms.add(roomId);
    if (this.isOpen()) this.sendSubscribe(roomId);
  }
  /** Subscribes the user's own stream (mentions) on this connection and every next one. */
  subscribeUser() {
    if (this.userStream) return;
    this.userStream = true;
    if (this.isOpen()) this.sendSubscribeUser();
  }
  unsubscribe(roomId: string) {
    if (this.rooms.delete(roomId)) this.send({ type: "unsubscribe", roomId });
  }

  /**
   * Sends a chat message (with `reply`, one in that thread; with `attachments`, those uploads) now
   * or after the next connect, until it is acknowledged or refused.
   */
  sendMessage(roomId: string, body: string, clientId: string, reply?: { parentId: string; alsoToRoom: boolean }, attachments?: readonly string[]) {
    const frame: MessageFrame = { type: "message", roomId, body, clientId };
    if (reply) frame.parentId = reply.parentId;
    if (reply?.alsoToRoom) frame.alsoToRoom = true;
    if (attachments?.length) frame.attachments = [...attachments];
    this.pending.set(clientId, frame);
    this.send(frame);
  }
  /** Hands the open connection a fresh access token, so the server does not close it at the old one's `exp` (4001). */
  authenticate = (token: string) => this.send({ type: "auth", token });
  typing = (roomId: string) => this.send({ type: "typing", roomId });
  suggest = (roomId: string, text: string, requestId: string) => this.send({ type: "suggest", roomId, text, requestId });
  isOpen = () => this.state === "connected" && this.ws?.readyState === OPEN;

  private send(frame: ClientFrame) {
    if (this.isOpen()) this.ws!.send(JSON.stringify(frame));
  }
  private sendSubscribeUser() {
    const afterSeq = this.options.userAfterSeq?.();
    this.ws!.send(JSON.stringify(afterSeq === undefined ? { type: "subscribeUser" } : { type: "subscribeUser", afterSeq }));
  }
  private sendSubscribe(roomId: string) {
    const afterSeq = this.options.afterSeq(roomId);
    this.ws!.send(JSON.stringify(afterSeq === undefined ? { type: "subscribe", roomId } : { type: "subscribe", roomId, afterSeq }));
  }

  private open() {
    const token = this.options.token();
    if (!token || this.state === "closed" || this.state === "offline") return;
    this.teardown();
    const ws = new this.options.WebSocket(this.options.url, [WS_SUBPROTOCOL, `${WS_BEARER_PREFIX}${token}`]);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.lastHeard = Date.now();
      this.setState("connected");
      if (this.userStream) this.sendSubscribeUser();
      for (const roomId of this.rooms) this.sendSubscribe(roomId);
      for (const frame of this.pending.values()) ws.send(JSON.stringify(frame));
      this.startPings(ws);
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => this.lost(ws, { opened, code: event.code });
    ws.onerror = () => {};
  }

  private receive(data: unknown) {
    this.lastHeard = Date.now();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (frame.type === "hello") this.attempt = 0;
    if (frame.type === "ack") this.pending.delete(frame.clientId);
    // A refused message is not resent: the user decides (retry resends with the same clientId).
    if (frame.type === "error" && frame.clientId) this.pending.delete(frame.clientId);
    for (const listener of this.frameListeners) listener(frame);
  }

  private startPings(ws: WebSocketLike) {
    const every = this.options.pingIntervalMs ?? 25_000;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      // A half-open TCP connection never reports a close: give up on it ourselves.
      if (Date.now() - this.lastHeard > every * 2) return this.lost(ws, { opened: true, code: 1006 });
      ws.send(JSON.stringify({ type: "ping" }));
    }, every);
  }

  private lost(ws: WebSocketLike, close: LastClose) {
    if (ws !== this.ws) return;
    this.lastClose = close;
    this.teardown();
    if (this.state === "closed" || this.state === "offline") return;
    const delay = this.backoff(this.attempt++, this.options.random);
    this.retryAt = Date.now() + delay;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => {
      this.state = "idle";
      this.connect();
    }, delay);
  }

  private teardown() {
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState <= OPEN) ws.close(1000);
  }

  private setState(state: SocketState) {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
