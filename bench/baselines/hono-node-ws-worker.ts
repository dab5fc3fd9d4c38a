/**
 * The Parley worker exactly as `npm start` runs it, but upgrading WebSockets with `@hono/node-ws`
 * instead of worker/src/node/node-websocket.ts: the "same app" row of the idle-memory bench, so the
 * reason for keeping our own upgrade stays a measured number.
 */
import { createNodeWebSocket } from "@hono/node-ws";
import { LIMITS, negotiateProtocol } from "@parley/protocol";
import { parseConfig } from "../../worker/src/config.ts";
import { startNodeWorker, type NodeWebSocketFactory } from "../../worker/src/node/server.ts";

const honoNodeWs: NodeWebSocketFactory = (app) => {
  const ws = createNodeWebSocket({ app });
  // The limits node-websocket.ts sets at construction (the ws defaults are 100 MiB frames and any subprotocol).
  ws.wss.options.maxPayload = LIMITS.frameBytes;
  ws.wss.options.handleProtocols = (protocols: Set<string>) => negotiateProtocol([...protocols].join(",")).subprotocol ?? false;
  return ws;
};

const worker = await startNodeWorker(parseConfig(process.env), { webSocket: honoNodeWs });
process.once("SIGTERM", () => void worker.shutdown().then(() => process.exit(0)));
