import { defineWebSocketHelper, WSContext, type WSReadyState } from "hono/ws";
import { CLOSE_CODES, LIMITS, negotiateProtocol } from "@parley/protocol";
import type { SocketAdapter } from "../realtime/ws-route.ts";

const utf8 = new TextEncoder();

/** Frame size in bytes: strings are measured as UTF-8 only when their length could pass the limit. */
function frameBytes(data: unknown): number {
  if (typeof data === "string") return data.length * 3 <= LIMITS.frameBytes ? data.length : utf8.encode(data).byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/**
 * Hono's WebSocket helper for workerd, doing what `hono/cloudflare-workers` leaves out and Node's `ws`
 * does for us: it answers the `parley.v2` or `parley.v1` subprotocol, calls `onOpen` (so the core can say hello), and
 * closes with 1009 on frames over the 64 KiB limit (workerd's own limit is 1 MiB).
 */
export const upgradeWebSocket = defineWebSocketHelper(async (c, events) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
  const { subprotocol } = negotiateProtocol(c.req.header("sec-websocket-protocol"));
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  const ws = new WSContext({
    raw: server,
    url: null,
    protocol: subprotocol ?? null,
    get readyState() {
      return server.readyState as WSReadyState;
    },
    send: (data) => server.send(data),
    close: (code, reason) => server.close(code, reason),
  });
  server.accept();
  server.addEventListener("message", (event) => {
    if (frameBytes(event.data) > LIMITS.frameBytes) return server.close(CLOSE_CODES.tooBig, "frame too large");
    events.onMessage?.(event, ws);
  });
  server.addEventListener("close", (event) => {
    // Answer the client's close frame; it may already be answered or carry a code that cannot be sent.
    try {
      server.close(event.code === 1005 || event.code === 1006 ? 1000 : event.code, event.reason);
    } catch {
      // already answered, or a code that cannot be sent
    }
    events.onClose?.(event, ws);
  });
  server.addEventListener("error", (event) => events.onError?.(event, ws));
  events.onOpen?.(new Event("open"), ws);
  const headers: Record<string, string> = subprotocol ? { "sec-websocket-protocol": subprotocol } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
});

/** workerd does not report a socket's send queue, so the slow-consumer check never trips there. */
export const workerdSockets: SocketAdapter = {
  bufferedAmount: () => 0,
  abort: (ws, code, reason) => ws.close(code, reason),
};
