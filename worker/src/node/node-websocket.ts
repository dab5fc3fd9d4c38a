import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import type { Env, Hono } from "hono";
import { defineWebSocketHelper, WSContext, type WSReadyState } from "hono/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { LIMITS, negotiateProtocol } from "@parley/protocol";

/** Where the upgrade helper leaves its claim on a request, so the upgrade listener can find it. */
const CLAIM = Symbol("parley.ws-claim");

type Claim = (ws: WebSocket) => void;
interface UpgradeEnv {
  incoming: IncomingMessage;
  [CLAIM]?: Claim;
}

/**
 * Hono's WebSocket helper for Node, in place of `@hono/node-ws`, which keeps each connection's whole
 * upgrade context (the Hono Context, the IncomingMessage, headers, URLs) reachable from the socket's
 * listeners for as long as it is open — three times the memory of a bare `ws` socket. Here the route
 * runs as usual (authentication, origin check), its events are taken, and only they and the raw
 * socket outlive the upgrade. Limits are set at construction: 64 KiB frames, the parley.v2 or parley.v1 subprotocol.
 */
export function createNodeWebSocket<E extends Env>(app: Hono<E>) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.frameBytes,
    handleProtocols: (protocols) => negotiateProtocol([...protocols].join(",")).subprotocol ?? false,
  });

  const upgradeWebSocket = defineWebSocketHelper(async (c, events) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
    const env = c.env as UpgradeEnv;
    env[CLAIM] = (ws) => attach(ws, events);
    return new Response(null);
  });

  function injectWebSocket(server: Server) {
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(request, socket, head));
  }

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on("error", () => socket.destroy());
    const headers = new Headers();
    for (const [key, value] of Object.entries(request.headers)) if (value !== undefined) headers.append(key, Array.isArray(value) ? value.join(", ") : value);
    const env: UpgradeEnv = { incoming: request };
    let response: Response;
    try {
      response = await app.request(new URL(request.url ?? "/", "http://localhost").toString(), { headers }, env);
    } catch {
      response = new Response(null, { status: 500 });
    }
    const claim = env[CLAIM];
    if (!claim || !socket.writable) return refuse(socket, response);
    wss.handleUpgrade(request, socket, head, claim);
  }

  return { wss, upgradeWebSocket, injectWebSocket };
}

/** Answers a refused upgrade with the route's own status and JSON error body. */
async function refuse(socket: Duplex, response: Response) {
  const body = Buffer.from(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
  if (!socket.writable) return socket.destroy();
  const status = response.status === 200 ? 400 : response.status;
  const type = response.headers.get("content-type");
  const retryAfter = response.headers.get("retry-after");
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\n` +
      (type ? `Content-Type: ${type}\r\n` : "") +
      (retryAfter ? `Retry-After: ${retryAfter}\r\n` : "") +
      `Content-Length: ${body.byteLength}\r\n\r\n`,
  );
  socket.end(body);
}

type Events = Parameters<Parameters<typeof defineWebSocketHelper>[0]>[1];

/** Wires a connected socket to the route's events; the closures hold the socket and the events only. */
function attach(ws: WebSocket, events: Events) {
  const ctx = new WSContext<WebSocket>({
    raw: ws,
    url: null,
    protocol: ws.protocol,
    get readyState() {
      return ws.readyState as WSReadyState;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  });
  ws.on("message", (data, isBinary) => {
    const payload = isBinary ? toArrayBuffer(data) : data.toString();
    events.onMessage?.(new MessageEvent("message", { data: payload }), ctx);
  });
  ws.on("close", (code, reason) => events.onClose?.(new CloseEvent("close", { code, reason: reason.toString() }), ctx));
  ws.on("error", (error) => events.onError?.(Object.assign(new Event("error"), { error }), ctx));
  events.onOpen?.(new Event("open"), ctx);
}

function toArrayBuffer(data: WebSocket.RawData): ArrayBuffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}
