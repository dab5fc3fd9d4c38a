import WebSocket from "ws";
import { fullJitterBackoff, LIMITS, type ClientFrame, type Message, type RoomEvent, type ServerFrame } from "@parley/protocol";
import { ChangeLedger } from "./change-ledger.ts";
import type { ChangeFrame, ClientLog } from "./client-log.ts";
import { applyEvent, viewMessage } from "./message-view.ts";

export interface ChaosClientOptions {
  url: string;
  token: string;
  user: { id: string; username: string };
  rooms: string[];
  /** Resend a message whose ack has not come after this long. */
  ackTimeoutMs?: number;
}

interface Pending {
  frame: Extract<ClientFrame, { type: "message" }> | ChangeFrame;
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
  private readonly ledger: ChangeLedger;
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
      changes: [],
      answers: [],
      backfills: [],
      views: {},
      subscriptions: [],
      errors: [],
      closes: [],
      connects: [],
      startSeq: {},
      rejected: [],
    };
    this.ledger = new ChangeLedger(this.log);
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

  get userId() {
    return this.options.user.id;
  }

  /** Unanswered messages and changes. */
  get unacked() {
    return this.pending.size;
  }

  /** True while a change of this message is unanswered: the next one waits, so a resend can never undo a later change. */
  changing(messageId: string) {
    return [...this.pending.values()].some((p) => p.frame.type !== "message" && p.frame.messageId === messageId);
  }

  /** Whether the server's last answer said this user reacted to the message with the emoji. */
  hasReacted(messageId: string, emoji: string) {
    return this.ledger.hasReacted(messageId, emoji);
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
    const ws = (this.ws = new WebSocket(url, ["parley.v2", `bearer.${this.options.token}`]));
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
    const body = options.body ?? `m ${this.counter} from ${this.options.user.username}`;
    this.pending.set(clientId, {
      frame: { type: "message", roomId, body, clientId },
      dropAcks: options.dropAcks ?? 0,
      cutAfterSend: options.cutAfterSend,
    });
    this.transmit(clientId);
    return clientId;
  }

  /**
   * Queues an edit (`body`), a deletion (`delete`) or a reaction toggle (`emoji`, `on`) of a message and
   * sends it when it can. Resent with the same clientId until answered, like a message.
   */
  change(roomId: string, messageId: string, what: { type: "edit"; body: string } | { type: "delete" } | { type: "react"; emoji: string; on: boolean }): string {
    const clientId = `${this.options.user.username}-x${++this.counter}`;
    const frame = { ...what, roomId, messageId, clientId };
    this.ledger.add(frame);
    this.pending.set(clientId, { frame, dropAcks: 0 });
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
    this.ws!.send(JSON.stringify(p.frame));
    if (p.frame.type === "message") this.log.sends.push({ clientId, roomId: p.frame.roomId, t: Date.now() });
    else this.ledger.sent(p.frame);
    p.timer = this.later(() => this.transmit(clientId), this.options.ackTimeoutMs ?? 5000);
    if (p.cutAfterSend) {
      p.cutAfterSend = false;
      // Lets the frame leave, then tears the connection down before the ack can be read.
      this.ws!.terminate();
    }
  }

  private onFrame(frame: ServerFrame) {
    const t = Date.now();
    const roomOf = frame.type === "message" ? frame.message.roomId : frame.type === "event" ? frame.roomId : undefined;
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
          void this.backfill(frame.roomId, afterSeq, frame.lastSeq);
        }
        return;
      }
      case "message":
        return this.receive(frame.message, "ws", frame.message.seq);
      case "event":
        return this.onEvent(frame);
      case "ack":
        if (!this.ledger.has(frame.clientId)) return this.onAck(frame.clientId, frame.message);
        this.ledger.acked(frame.clientId, frame.message);
        return this.settleChange(frame.clientId);
      case "reactions":
        if (this.ledger.reactions(frame.clientId, frame.messageId, frame.reactions)) this.settleChange(frame.clientId);
        return;
      case "error":
        return this.onError(frame);
    }
  }

  /** `stateSeq`: the highest seq whose effect the message's state holds (see MessageView). */
  private receive(message: Message, via: "ws" | "history", stateSeq: number) {
    this.log.receives.push({ roomId: message.roomId, seq: message.seq, id: message.id, clientId: message.clientId, t: Date.now(), via });
    viewMessage(this.log.views, message, stateSeq);
    this.advance(message.roomId, message.seq);
  }

  private onEvent(event: RoomEvent) {
    const id = event.message?.id ?? event.reaction?.messageId ?? "";
    this.log.receives.push({ roomId: event.roomId, seq: event.seq, id, clientId: null, t: Date.now(), via: "ws", kind: event.kind });
    applyEvent(this.log.views, event);
    this.advance(event.roomId, event.seq);
  }

  /** A client resumes from the highest seq of any frame it received. */
  private advance(roomId: string, seq: number) {
    if (seq > (this.lastSeq.get(roomId) ?? 0)) this.lastSeq.set(roomId, seq);
  }

  private settleChange(clientId: string) {
    clearTimeout(this.pending.get(clientId)?.timer);
    this.pending.delete(clientId);
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
        this.ledger.refused(clientId, code);
      }
    } else if (roomId && !clientId && !this.subscribed.has(roomId) && RETRIABLE.has(code)) {
      this.later(() => this.open && this.subscribe(roomId), wait);
    }
  }

  private subscribe(roomId: string) {
    const afterSeq = this.lastSeq.get(roomId);
    this.ws!.send(JSON.stringify({ type: "subscribe", roomId, ...(afterSeq !== undefined ? { afterSeq } : {}) }));
  }

  /**
   * After a `limited` replay up to `lastSeq`: pages the messages of (afterSeq, lastSeq - replayMax]
   * over HTTP, then lets the held frames through. The pages hold the messages' current state, with
   * every event up to `lastSeq` in it (the replay's own events are then not applied again).
   */
  private async backfill(roomId: string, afterSeq: number, lastSeq: number) {
    const toSeq = lastSeq - LIMITS.replayMax;
    this.backfilling.set(roomId, []);
    this.log.backfills.push({ roomId, afterSeq, toSeq });
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
        for (const m of page) this.receive(m, "history", lastSeq);
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
