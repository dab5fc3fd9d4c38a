import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { answerMalformedRequests } from "@parley/common";
import type { createBalancer } from "./balancer.ts";
import type { LbConfig } from "./config.ts";
import { ConnectionCap, TOO_MANY_CONNECTIONS as TOO_MANY, TOO_MANY_CONNECTIONS_RAW } from "./connection-cap.ts";

/**
 * The balancer's node:http server: bounded time for a request head and a whole request (slowloris),
 * for an idle kept-alive connection, at most `maxConnections` in all and `connectionsPerAddress`
 * from one address; malformed requests answered in the JSON error shape.
 */
export function createBalancerServer(balancer: ReturnType<typeof createBalancer>, config: LbConfig): Server {
  const { server: limits } = config;
  const cap = new ConnectionCap(limits.connectionsPerAddress, config.trustedProxies);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node looks for expired heads on this interval (30 s by default), which would stretch a 10 s headersTimeout.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, limits.headersTimeoutMs / 4)),
    },
    (req, res) => {
      if (!cap.isOver(req.socket)) return balancer.listener(req, res);
      res.writeHead(TOO_MANY.status, { ...TOO_MANY.headers, "content-length": TOO_MANY.body.length }).end(TOO_MANY.body);
    },
  );
  server.maxConnections = limits.maxConnections;
  server.on("connection", (socket: Socket) => cap.admit(socket));
  server.on("upgrade", (req, socket: Socket, head) => {
    if (cap.isOver(socket)) return void socket.end(TOO_MANY_CONNECTIONS_RAW);
    void balancer.upgrade(req, socket, head);
  });
  answerMalformedRequests(server);
  return server;
}
