import { defineWebSocketHelper, WSContext, type WSEvents, type WSReadyState } from "hono/ws";
import { CLOSE_CODES, LIMITS, negotiateProtocol } from "@parley/protocol";
import type { ConnectionState, SocketAdapter } from "../realtime/ws-route.ts";

const utf8 = new TextEncoder();

/** WebSocket.CLOSED: what a retired instance's connections read, so they send nothing more. */
const CLOSED = 3;

/**
 * Rooms one client socket may be subscribed to: its ConnectionState, with this many room ids and
 * cursors, stays within the 2 KiB a hibernatable socket's attachment may hold (upgrade-websocket.test.ts).
 */
export const MAX_ROOMS_PER_SOCKET = 32;

/** Frame size in bytes: strings are measured as UTF-8 only when their length could pass the limit. */
function frameBytes(data: unknown): number {
  if (typeof data === "string") return data.length * 3 <= LIMITS.frameBytes ? data.length : utf8.encode(data).byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/** A connection this instance of the gateway serves: its events (ws-route) and the context they take. */
interface Connection {
  context: WSContext;
  events: WSEvents;
}

/**
 * The client sockets of one gateway instance. With `hibernate`, over the Hibernation API: taken with
 * `state.acceptWebSocket`, so the runtime keeps them open while the object is out of memory, and
 * their events arrive through the object's webSocketMessage/Close/Error, passed on here. Each
 * connection keeps its state (ws-route's ConnectionState: user, token, protocol, rooms and cursors)
 * in its socket's attachment; a new instance resumes every socket it finds from it. Without, taken
 * with `accept()`, and their events come from their listeners. Like Node's `ws` it answers the
 * `parley.v2` or `parley.v1` subprotocol, calls `onOpen` (the core says hello) and closes with 1009
 * on frames over the 64 KiB limit (workerd's own limit is 1 MiB).
 */
export class ClientSockets {
  private readonly connections = new Map<WorkerdWebSocket, Connection>();
  private resume?: (ws: WSContext, state: ConnectionState) => WSEvents;
  private retired = false;

  constructor(
    private readonly state: DurableObjectState,
    private readonly hibernate: boolean,
  ) {}

  /** Hono's WebSocket helper for the app of this instance. */
  readonly upgradeWebSocket = defineWebSocketHelper(async (c, events) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
    const { subprotocol } = negotiateProtocol(c.req.header("sec-websocket-protocol"));
    const pair = new WebSocketPair();
    const server = pair[1];
    if (this.hibernate) this.state.acceptWebSocket(server);
    else {
      server.accept();
      server.addEventListener("message", (event) => this.message(server, event.data as string | ArrayBuffer));
      server.addEventListener("close", (event) => this.close(server, event.code, event.reason));
      server.addEventListener("error", (event) => this.error(server, (event as ErrorEvent).error));
    }
    const context = this.context(pair[1], subprotocol ?? null);
    this.connections.set(pair[1], { context, events });
    events.onOpen?.(new Event("open"), context);
    const headers: Record<string, string> = subprotocol ? { "sec-websocket-protocol": subprotocol } : {};
    return new Response(null, { status: 101, webSocket: pair[0], headers });
  });

  /** workerd does not report a socket's send queue, so the slow-consumer check never trips there. */
  get adapter(): SocketAdapter {
    const hibernation: SocketAdapter["hibernation"] = {
      maxRooms: MAX_ROOMS_PER_SOCKET,
      keep: (ws, state) => (ws.raw as WorkerdWebSocket).serializeAttachment(state),
      onResume: (resume) => (this.resume = resume),
    };
    return { bufferedAmount: () => 0, abort: (ws, code, reason) => ws.close(code, reason), ...(this.hibernate ? { hibernation } : {}) };
  }

  /**
   * Carries on every open socket this instance does not serve yet (after a wake, all of them) from
   * its attachment; one whose token was revoked meanwhile is closed as sign-out closes it.
   */
  async resumeAll(isRevoked: (state: ConnectionState) => Promise<boolean>): Promise<void> {
    const waiting = this.state.getWebSockets().filter((ws) => !this.connections.has(ws));
    await Promise.all(waiting.map((ws) => this.resumeOne(ws, isRevoked)));
  }

  message(ws: WorkerdWebSocket, data: string | ArrayBuffer): void {
    const connection = this.connections.get(ws);
    if (!connection) return;
    if (frameBytes(data) > LIMITS.frameBytes) return ws.close(CLOSE_CODES.tooBig, "frame too large");
    connection.events.onMessage?.(new MessageEvent("message", { data }), connection.context);
  }

  close(ws: WorkerdWebSocket, code: number, reason: string): void {
    // Answer the client's close frame; it may already be answered or carry a code that cannot be sent.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already answered, or a code that cannot be sent
    }
    const connection = this.connections.get(ws);
    if (!connection) return;
    this.connections.delete(ws);
    connection.events.onClose?.(new CloseEvent("close", { code, reason }), connection.context);
  }

  error(ws: WorkerdWebSocket, error: unknown): void {
    const connection = this.connections.get(ws);
    connection?.events.onError?.(new ErrorEvent("error", { error }), connection.context);
    // webSocketClose may not follow webSocketError: the connection ends here.
    if (this.hibernate) this.close(ws, CLOSE_CODES.internalError, "socket error");
  }

  /** This instance is being dropped from memory: its connections send nothing more; a new one resumes them. */
  retire(): void {
    this.retired = true;
    this.connections.clear();
  }

  private async resumeOne(ws: WorkerdWebSocket, isRevoked: (state: ConnectionState) => Promise<boolean>): Promise<void> {
    const state = ws.deserializeAttachment() as ConnectionState | null;
    // No state: accepted by an instance that was gone before the connection opened.
    if (!state) return ws.close(CLOSE_CODES.tryAgainLater, "reconnect");
    if (await isRevoked(state)) return ws.close(CLOSE_CODES.policyViolation, "signed out");
    if (this.retired || !this.resume || this.connections.has(ws)) return;
    const context = this.context(ws, ws.protocol || null);
    this.connections.set(ws, { context, events: this.resume(context, state) });
  }

  private context(ws: WorkerdWebSocket, protocol: string | null): WSContext {
    const retired = () => this.retired;
    return new WSContext({
      raw: ws,
      url: null,
      protocol,
      get readyState() {
        return (retired() ? CLOSED : ws.readyState) as WSReadyState;
      },
      send: (data) => {
        if (!retired()) ws.send(data);
      },
      close: (code, reason) => {
        if (!retired()) ws.close(code, reason);
      },
    });
  }
}
