import { fullJitterBackoff } from "@parley/protocol";
import type { Logger } from "@parley/common";
import { SESSIONS_CHANNEL, type Bus, type RoomEvent, type RoomEventHandler } from "../ports/bus.ts";
import { connectUrl, roomObject, type RoomNamespace } from "./room-api.ts";

/** WebSocket.OPEN. */
const OPEN = 1;
/** Waits before reopening a room object socket: full jitter from 100 ms, doubling, up to 5 s. */
const reopenBackoff = fullJitterBackoff({ baseMs: 100, capMs: 5000 });

/** One gateway's socket to one room object. */
interface RoomLink {
  ws?: WorkerdWebSocket;
  /** The socket being opened; resolved once it is, rejected when it could not be. */
  opening?: Promise<void>;
  /** False once unsubscribed: a lost socket is then not reopened. */
  wanted: boolean;
  failures: number;
}

export interface RoomObjectBusOptions {
  rooms: RoomNamespace;
  /** This gateway instance's id: room objects tag its socket with it and never echo its publishes. */
  gateway: string;
  logger: Logger;
  /** Sees every event before the hub does (the gateway learns revocations from it). */
  tap?: RoomEventHandler;
}

/**
 * The Bus port over room Durable Objects: a subscribed room is a WebSocket from this gateway to the
 * room's object, which relays what one gateway sends to all the others. A lost socket is reopened
 * with backoff; then `onReconnect` listeners run (presence is restored) and `onResume`, so the hub
 * catches up from the store. Publishing to a room this gateway does not hear goes by RPC.
 */
export class RoomObjectBus implements Bus {
  private readonly links = new Map<string, RoomLink>();
  private handler: RoomEventHandler = () => {};
  private resume: () => void = () => {};
  private readonly reconnectListeners: Array<(roomId: string) => Promise<void>> = [];
  private closed = false;

  constructor(private readonly options: RoomObjectBusOptions) {}

  async publish(roomId: string, event: RoomEvent): Promise<void> {
    if (this.closed) return;
    const link = this.links.get(roomId);
    if (link?.opening) await link.opening.catch(() => {});
    if (link?.ws?.readyState === OPEN) return link.ws.send(JSON.stringify(event));
    await roomObject(this.options.rooms, roomId).publish(this.options.gateway, event);
  }

  async subscribe(roomId: string): Promise<void> {
    if (this.closed) throw new Error("the bus is closed");
    // Already heard, or being reopened: after a reopen `onResume` makes the hub catch up.
    const existing = this.links.get(roomId);
    if (existing) return existing.opening?.catch(() => {});
    const link: RoomLink = { wanted: true, failures: 0 };
    this.links.set(roomId, link);
    link.opening = this.open(roomId, link);
    try {
      await link.opening;
    } catch (error) {
      if (this.links.get(roomId) === link) this.links.delete(roomId);
      throw error;
    }
  }

  async unsubscribe(roomId: string): Promise<void> {
    const link = this.links.get(roomId);
    if (!link) return;
    this.links.delete(roomId);
    link.wanted = false;
    closeQuietly(link.ws, 1000, "unsubscribed");
  }

  onEvent(handler: RoomEventHandler): void {
    this.handler = handler;
  }

  onResume(handler: () => void): void {
    this.resume = handler;
  }

  /** Runs after a lost socket to a room is open again, before `onResume`. */
  onReconnect(listener: (roomId: string) => Promise<void>): void {
    this.reconnectListeners.push(listener);
  }

  async ping(): Promise<void> {
    await roomObject(this.options.rooms, SESSIONS_CHANNEL).ping();
  }

  /** Closes every room socket; room objects then drop this gateway's users and announce them gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.values()) {
      link.wanted = false;
      closeQuietly(link.ws, 1001, "gateway closing");
    }
    this.links.clear();
  }

  /** Rooms with an open socket, for status. */
  openRooms(): number {
    return [...this.links.values()].filter((link) => link.ws?.readyState === OPEN).length;
  }

  private async open(roomId: string, link: RoomLink): Promise<void> {
    const { rooms, gateway } = this.options;
    const res = (await roomObject(rooms, roomId).fetch(connectUrl(roomId, gateway), { headers: { upgrade: "websocket" } })) as WorkerdResponse;
    const ws = res.webSocket;
    if (!ws) throw new Error(`room object refused the socket (${res.status})`);
    ws.accept();
    if (!link.wanted) return closeQuietly(ws, 1000, "unsubscribed");
    link.ws = ws;
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let roomEvent: RoomEvent;
      try {
        roomEvent = JSON.parse(event.data) as RoomEvent;
      } catch {
        return;
      }
      this.options.tap?.(roomId, roomEvent);
      this.handler(roomId, roomEvent);
    });
    ws.addEventListener("close", () => this.lost(roomId, link, ws));
    ws.addEventListener("error", () => this.lost(roomId, link, ws));
  }

  /** The room object went away (restart, a broken connection): reopen unless unsubscribed. */
  private lost(roomId: string, link: RoomLink, ws: WorkerdWebSocket): void {
    if (link.ws !== ws) return;
    link.ws = undefined;
    closeQuietly(ws, 1000, "closed");
    this.reopen(roomId, link);
  }

  /** Reopens after a full-jitter backoff; events in between may be lost, so the hub resyncs after. */
  private reopen(roomId: string, link: RoomLink): void {
    if (!link.wanted || this.links.get(roomId) !== link) return;
    const delay = reopenBackoff(link.failures);
    const attempt = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => this.open(roomId, link));
    link.opening = attempt.then(async () => {
      link.failures = 0;
      for (const listener of this.reconnectListeners)
        await listener(roomId).catch((err) => this.options.logger.warn({ err, roomId }, "restore after reconnect failed"));
      this.resume();
    });
    link.opening.catch(() => {});
    attempt.catch((err) => {
      link.failures++;
      this.options.logger.warn({ err, roomId }, "cannot reopen the room object socket; retrying");
      this.reopen(roomId, link);
    });
  }
}

function closeQuietly(ws: WorkerdWebSocket | undefined, code: number, reason: string): void {
  try {
    ws?.close(code, reason);
  } catch {
    // already closed
  }
}
