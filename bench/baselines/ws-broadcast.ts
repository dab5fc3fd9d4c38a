/**
 * The baseline for the fan-out and idle-memory benches: a bare `ws` chat server, run as its own
 * process (`PORT=… node --import tsx bench/baselines/ws-broadcast.ts`; prints `listening <port>`).
 *
 * What it does, per connection: takes the user name from the `bearer.<name>` subprotocol (no
 * signature check), answers `parley.v1`, sends `hello`, and keeps the user and its rooms.
 * Per `message` frame: JSON.parse, checks the fields, gives the message an id, the room's next seq
 * and a timestamp, serializes `{type: "message", message}` once and sends it to every subscriber of
 * the room (closing one whose send queue passed 1 MiB, as Parley does), then acks the sender.
 * What it does not do: store anything (no database write), check membership, rate-limit, track
 * presence, verify tokens, or publish to other processes. Frames have Parley's shapes, so clients
 * parse the same bytes.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";

const SUBPROTOCOL = "parley.v1";
const BEARER = "bearer.";
const MAX_FRAME = 64 * 1024;
const SLOW_CONSUMER_BYTES = 1024 * 1024;

interface Client {
  ws: WebSocket;
  user: { id: string; username: string };
  rooms: Set<string>;
}

const rooms = new Map<string, { seq: number; subscribers: Set<Client> }>();
const room = (id: string) => rooms.get(id) ?? rooms.set(id, { seq: 0, subscribers: new Set() }).get(id)!;

const http = createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "application/json" }).end('{"ok":true}');
});
const wss = new WebSocketServer({
  server: http,
  path: "/ws",
  maxPayload: MAX_FRAME,
  handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
});

wss.on("connection", (ws, req) => {
  const name = (req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .find((p) => p.startsWith(BEARER))
    ?.slice(BEARER.length);
  if (!name) return ws.close(1008, "no user");
  const client: Client = { ws, user: { id: name, username: name }, rooms: new Set() };
  ws.send(JSON.stringify({ type: "hello", user: client.user, worker: "ws-broadcast" }));
  ws.on("message", (data, isBinary) => (isBinary ? ws.close(1003, "text frames only") : receive(client, data.toString())));
  ws.on("close", () => {
    for (const id of client.rooms) rooms.get(id)?.subscribers.delete(client);
  });
});

function receive(client: Client, text: string) {
  let frame: { type?: unknown; roomId?: unknown; body?: unknown; clientId?: unknown };
  try {
    frame = JSON.parse(text);
  } catch {
    return send(client, { type: "error", code: "invalid_request", message: "frames must be JSON objects" });
  }
  const roomId = typeof frame.roomId === "string" ? frame.roomId : undefined;
  if (frame.type === "ping") return send(client, { type: "pong" });
  if (!roomId) return send(client, { type: "error", code: "invalid_request", message: "roomId is required" });
  if (frame.type === "subscribe") {
    room(roomId).subscribers.add(client);
    client.rooms.add(roomId);
    return send(client, { type: "subscribed", roomId, online: [], lastSeq: room(roomId).seq });
  }
  if (frame.type === "unsubscribe") {
    rooms.get(roomId)?.subscribers.delete(client);
    client.rooms.delete(roomId);
    return send(client, { type: "unsubscribed", roomId, reason: "requested" });
  }
  if (frame.type !== "message") return send(client, { type: "error", code: "invalid_request", message: "unknown frame type" });
  const body = typeof frame.body === "string" ? frame.body.trim() : "";
  const clientId = typeof frame.clientId === "string" ? frame.clientId : null;
  if (body.length < 1 || body.length > 4000) return send(client, { type: "error", code: "invalid_request", message: "bad body", clientId });
  const target = room(roomId);
  const message = { id: randomUUID(), roomId, seq: ++target.seq, user: client.user, body, clientId, createdAt: new Date().toISOString() };
  const out = JSON.stringify({ type: "message", message });
  for (const sub of target.subscribers) {
    if (sub.ws.bufferedAmount > SLOW_CONSUMER_BYTES) sub.ws.close(1008, "slow consumer");
    else if (sub.ws.readyState === 1) sub.ws.send(out);
  }
  send(client, { type: "ack", clientId, message });
}

function send(client: Client, frame: object) {
  if (client.ws.readyState === 1) client.ws.send(JSON.stringify(frame));
}

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = http.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
