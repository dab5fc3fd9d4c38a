import WebSocket from "ws";
import { fullJitterBackoff, LIMITS, type Message, type ServerFrame } from "@parley/protocol";

/** Everything one client did and saw, with times (ms since the epoch). */
export interface ClientLog {
  userId: string;
  username: string;
  /** Every transmission of a `message` frame; a resend repeats the clientId. */
  sends: Array<{ clientId: string; roomId: string; t: number }>;
  /** Every `ack` received; `dropped` when the client pretended it was lost. */
  acks: Array<{ clientId: string; roomId: string; seq: number; id: string; t: number; dropped?: boolean }>;
  /** Every message received, over the socket or (`history`) from a backfill page. */
  receives: Array<{ roomId: string; seq: number; id: string; clientId: string | null; t: number; via: "ws" | "history" }>;
  subscriptions: Array<{ roomId: string; afterSeq?: number; lastSeq: number; limited: boolean; t: number }>;
  errors: Array<{ code: string; clientId?: string; roomId?: string; retryAfter?: number; t: number }>;
  closes: Array<{ code: number; reason: string; t: number }>;
  connects: Array<{ worker: string; t: number }>;
  /** Per room, the room's last seq when the client first subscribed: it must receive everything after it. */
  startSeq: Record<string, number>;
  /** clientIds the server refused for good (not retriable): not expected to be stored. */
  rejected: string[];
}

export interface ChaosClientOptions {
  url: string;
  token: string;
  user: { id: string; username: string };
  rooms: string[];
  /** Resend a message whose ack has not come after this long. */
  ackTimeoutMs?: number;
}

interface Pending {
  roomId: string;
  body: string;
  /** Acks still to pretend lost (lost-ack scenario). */
  dropAcks: number;
  timer?: NodeJS.Timeout;
  /** Terminate the socket right after the next transmission (the ack is lost with it). */
  cutAfterSend?: boolean;
}

const RETRIABLE = new Set(["unavailable", "rate_limited", "internal"]);
/** Waits before a reconnect: full jitter from 200 ms, doubling, up to 4 s (attempts count from 1 here). */
const reconnectBackoff = fullJitterBackoff({ baseMs: 200, capMs: 4000 });

/**
 * A client that behaves as docs/protocol.md asks: on close it reconnects (full-jitter backoff, or the
 * drain advice of a 1001), resubscribes with afterSeq = the last seq it saw, pages history when a
 * replay is `limited`, and resends unacked messages with the same clientId, honouring `retryAfter`.
 */
export class ChaosClient {
  readonly log: ClientLog;
  private ws?: WebSocket;
  private open = false;
  private stopped = false;
  private attempt = 0;
  private counter = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly lastSeq = new Map<string, number>();
  private readonly subscribed = new Set<string>();
  /** Rooms paging history after a `limited` replay; their live frames wait here. */
  private readonly backfilling = new Map<string, ServerFrame[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: ChaosClientOptions) {
    const { user } = options;
    this.log = {
      userId: user.id,
      username: user.username,
      sends: [],
      acks: [],
      receives: [],
      subscriptions: [],
      errors: [],
      closes: [],
      connects: [],
      startSeq: {},
      rejected: [],
    };
  }

  get connected() {
    return this.open;
  }

  get token() {
    return this.options.token;
  }

  get rooms(): readonly string[] {
    return this.options.rooms;
  }

  /** Unacked messages. */
  get unacked() {
    return this.pending.size;
  }

  /** The last seq seen in a room. */
  seen(roomId: string) {
    return this.lastSeq.get(roomId);
  }

  /** True when connected, subscribed everywhere, nothing unacked and no backfill running. */
  get idle() {
    return this.open && this.pending.size === 0 && this.backfilling.size === 0 && this.options.rooms.every((r) => this.subscribed.has(r));
  }

  connect(): void {
    if (this.stopped) return;
    const url = this.options.url.replace(/^http/, "ws") + "/ws";
    const ws = (this.ws = new WebSocket(url, ["parley.v1", `bearer.${this.options.token}`]));
    const helloTimer = this.later(() => ws.terminate(), 15_000);
    let retryAfter = 0;
    ws.on("unexpected-response", (_req, res) => {
      retryAfter = Number(res.headers["retry-after"] ?? 0);
      this.log.errors.push({ code: `upgrade_${res.statusCode}`, retryAfter, t: Date.now() });
      ws.terminate();
    });
    ws.on("error", () => {});
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === "hello") clearTimeout(helloTimer);
      this.onFrame(frame);
    });
    ws.on("close", (code, reason) => {
      clearTimeout(helloTimer);
      if (this.ws !== ws) return;
      this.open = false;
      this.subscribed.clear();
      this.backfilling.clear();
      for (const p of this.pending.values()) clearTimeout(p.timer);
      this.log.closes.push({ code, reason: reason.toString(), t: Date.now() });
      if (!this.stopped) this.later(() => this.connect(), this.reconnectDelay(code, reason.toString(), retryAfter));
    });
  }

  /** Queues a new message and sends it when it can. */
  send(roomId: string, options: { body?: string; dropAcks?: number; cutAfterSend?: boolean } = {}): string {
    const clientId = `${this.options.user.username}-${++this.counter}`;
    this.pending.set(clientId, {
      roomId,
      body: options.body ?? `m ${this.counter} from ${this.options.user.username}`,
      dropAcks: options.dropAcks ?? 0,
      cutAfterSend: options.cutAfterSend,
    });
    this.transmit(clientId);
    return clientId;
  }

  /** Stops reading the socket (the kernel buffers fill up), or starts again. */
  pauseReading(paused: boolean) {
    const socket = (this.ws as unknown as { _socket?: { pause(): void; resume(): void } })?._socket;
    if (paused) socket?.pause();
    else socket?.resume();
  }

  /** Closes and reconnects at once: a resume with afterSeq for every room. */
  reconnectNow(): void {
    this.attempt = -1; // no backoff for a deliberate reconnect
    this.ws?.close(1000, "resume");
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.ws?.terminate();
  }

  private transmit(clientId: string) {
    const p = this.pending.get(clientId);
    if (!p || !this.open) return; // sent after the next hello
    clearTimeout(p.timer);
    this.ws!.send(JSON.stringify({ type: "message", roomId: p.roomId, body: p.body, clientId }));
    this.log.sends.push({ clientId, roomId: p.roomId, t: Date.now() });
    p.timer = this.later(() => this.transmit(clientId), this.options.ackTimeoutMs ?? 5000);
    if (p.cutAfterSend) {
      p.cutAfterSend = false;
      // Lets the frame leave, then tears the connection down before the ack can be read.
      this.ws!.terminate();
    }
  }

  private onFrame(frame: ServerFrame) {
    const t = Date.now();
    const roomOf = frame.type === "message" ? frame.message.roomId : undefined;
    if (roomOf && this.backfilling.has(roomOf)) return void this.backfilling.get(roomOf)!.push(frame);
    switch (frame.type) {
      case "hello":
        this.open = true;
        this.attempt = 0;
        this.log.connects.push({ worker: frame.worker, t });
        for (const roomId of this.options.rooms) this.subscribe(roomId);
        for (const clientId of this.pending.keys()) this.transmit(clientId);
        return;
      case "subscribed": {
        const afterSeq = this.lastSeq.get(frame.roomId);
        this.log.subscriptions.push({ roomId: frame.roomId, afterSeq, lastSeq: frame.lastSeq, limited: frame.limited, t });
        this.subscribed.add(frame.roomId);
        if (afterSeq === undefined) {
          this.log.startSeq[frame.roomId] = frame.lastSeq;
          this.lastSeq.set(frame.roomId, frame.lastSeq);
        } else if (frame.limited) {
          void this.backfill(frame.roomId, afterSeq, frame.lastSeq - LIMITS.replayMax);
        }
        return;
      }
      case "message":
        return this.receive(frame.message, "ws");
      case "ack":
        return this.onAck(frame.clientId, frame.message);
      case "error":
        return this.onError(frame);
    }
  }

  private receive(message: Message, via: "ws" | "history") {
    this.log.receives.push({ roomId: message.roomId, seq: message.seq, id: message.id, clientId: message.clientId, t: Date.now(), via });
    if (message.seq > (this.lastSeq.get(message.roomId) ?? 0)) this.lastSeq.set(message.roomId, message.seq);
  }

  private onAck(clientId: string, message: Message) {
    const entry = { clientId, roomId: message.roomId, seq: message.seq, id: message.id, t: Date.now() };
    const p = this.pending.get(clientId);
    if (p && p.dropAcks > 0) {
      p.dropAcks--;
      this.log.acks.push({ ...entry, dropped: true });
      return this.transmit(clientId); // "the ack never came": resend the same clientId
    }
    this.log.acks.push(entry);
    if (p) clearTimeout(p.timer);
    this.pending.delete(clientId);
  }

  private onError(frame: Extract<ServerFrame, { type: "error" }>) {
    const { code, clientId, roomId, retryAfter } = frame;
    this.log.errors.push({ code, clientId, roomId, retryAfter, t: Date.now() });
    const wait = (retryAfter ?? 1) * 1000 * (0.5 + Math.random());
    if (clientId && this.pending.has(clientId)) {
      const p = this.pending.get(clientId)!;
      clearTimeout(p.timer);
      if (RETRIABLE.has(code)) p.timer = this.later(() => this.transmit(clientId), wait);
      else {
        this.pending.delete(clientId);
        this.log.rejected.push(clientId);
      }
    } else if (roomId && !clientId && !this.subscribed.has(roomId) && RETRIABLE.has(code)) {
      this.later(() => this.open && this.subscribe(roomId), wait);
    }
  }

  private subscribe(roomId: string) {
    const afterSeq = this.lastSeq.get(roomId);
    this.ws!.send(JSON.stringify({ type: "subscribe", roomId, ...(afterSeq !== undefined ? { afterSeq } : {}) }));
  }

  /** After a `limited` replay: pages (afterSeq, toSeq] over HTTP, then lets the held frames through. */
  private async backfill(roomId: string, afterSeq: number, toSeq: number) {
    this.backfilling.set(roomId, []);
    const ws = this.ws;
    try {
      let from = afterSeq;
      while (from < toSeq) {
        const res = await fetch(`${this.options.url}/api/rooms/${roomId}/messages?afterSeq=${from}&limit=100`, {
          headers: { authorization: `Bearer ${this.options.token}` },
        });
        if (!res.ok) throw new Error(`history ${res.status}`);
        const page = ((await res.json()) as { messages: Message[] }).messages.filter((m) => m.seq <= toSeq);
        if (page.length === 0) break;
        for (const m of page) this.receive(m, "history");
        from = page.at(-1)!.seq;
      }
    } catch {
      if (this.ws === ws) ws?.terminate(); // start over from the last seq seen
      return;
    }
    const held = this.backfilling.get(roomId) ?? [];
    this.backfilling.delete(roomId);
    for (const frame of held) this.onFrame(frame);
  }

  private reconnectDelay(code: number, reason: string, retryAfter: number) {
    if (this.attempt < 0) return (this.attempt = 0);
    this.attempt++;
    if (code === 1001) {
      try {
        const advice = JSON.parse(reason) as { retryMs?: number };
        if (advice.retryMs) return advice.retryMs;
      } catch {
        // a close reason that is not JSON: no advice
      }
    }
    if (retryAfter > 0) return retryAfter * 1000 * (0.5 + Math.random());
    return reconnectBackoff(this.attempt);
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}
