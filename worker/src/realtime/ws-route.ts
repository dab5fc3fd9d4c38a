import type { Context, Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { CLOSE_CODES, negotiateProtocol } from "@parley/protocol";
import { ApiError, type Logger, upgradeToken } from "@parley/common";
import type { Sessions } from "../auth/sessions.ts";
import type { AppEnv } from "../http/context.ts";
import { encode, type Peer } from "./peer.ts";
import { SocketQuota, type SocketLimits } from "./socket-quota.ts";
import { connectionLimits, WsSession, type SessionDeps } from "./ws-session.ts";

/** What the runtime knows about its sockets that Hono's WSContext does not say. */
export interface SocketAdapter {
  /** Bytes queued for sending, not yet taken by the network. */
  bufferedAmount(ws: WSContext): number;
  /** Closes now, without waiting for a peer that may not be reading. */
  abort(ws: WSContext, code: number, reason: string): void;
}

/** A peer whose send queue passes this is closed rather than grown (1 MiB, as Centrifugo). */
export const SLOW_CONSUMER_BYTES = 1024 * 1024;

/** Checks `Origin` against the allowed list, or — with none configured — against the request's own host. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser
  if (allowed.length > 0) return allowed.includes(origin) || allowed.includes("*");
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface WsRouteDeps extends SessionDeps {
  upgradeWebSocket: UpgradeWebSocket<unknown>;
  sockets: SocketAdapter;
  sessions: Sessions;
  allowedOrigins: readonly string[];
  workerId: string;
  logger: Logger;
  draining: () => boolean;
  /** Every open connection, so shutdown and sign-out can close them. */
  openSockets: Set<{ peer: Peer }>;
  /** The client address of a request (for the per-address socket cap). */
  address: (c: Context<AppEnv>) => string;
  socketLimits: SocketLimits;
}

/** `GET /ws`: authenticated before the upgrade, then one WsSession per connection. */
export function registerWsRoute(app: Hono<AppEnv>, deps: WsRouteDeps) {
  const { upgradeWebSocket, sockets, sessions, workerId, logger } = deps;
  let counter = 0;
  const limits = connectionLimits(deps);
  const quota = new SocketQuota(deps.socketLimits);

  app.get(
    "/ws",
    async (c, next) => {
      if (deps.draining()) throw new ApiError("unavailable", "this worker is shutting down", 1);
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("invalid_request", "expected a WebSocket upgrade");
      if (!originAllowed(c.req.header("origin"), c.req.header("host"), deps.allowedOrigins)) throw new ApiError("forbidden", "origin not allowed");
      const token = upgradeToken(c.req.header("authorization"), c.req.header("sec-websocket-protocol"));
      if (!token) throw new ApiError("unauthorized", "authenticate with Authorization: Bearer or the bearer.<token> subprotocol");
      const claims = await sessions.authenticate(token);
      c.set("user", claims.user);
      c.set("session", claims);
      // Before the upgrade, so the refusal is a plain 429 a client can read.
      c.set("socketPlace", quota.take(claims.user.id, deps.address(c)));
      await next();
    },
    upgradeWebSocket((c) => {
      const user = c.get("user");
      const { jti, sid, iat, exp } = c.get("session");
      const place = c.get("socketPlace");
      // The runtime's helper answers the same subprotocol from the same header (negotiateProtocol).
      const { version } = negotiateProtocol(c.req.header("sec-websocket-protocol"));
      let session: WsSession | undefined;
      return {
        onOpen(_event, ws) {
          place?.opened();
          const peer: Peer = {
            id: `${workerId}/${++counter}`,
            user,
            token: { jti, sid, iat, exp },
            version,
            send(text) {
              if (ws.readyState !== 1) return;
              if (sockets.bufferedAmount(ws) > SLOW_CONSUMER_BYTES) {
                logger.warn({ user: user.id }, "slow consumer disconnected");
                return sockets.abort(ws, CLOSE_CODES.policyViolation, "slow consumer");
              }
              ws.send(text);
            },
            close: (code, reason) => ws.close(code, reason),
          };
          session = new WsSession(peer, deps, limits);
          deps.openSockets.add(session);
          ws.send(encode({ type: "hello", user, worker: workerId, protocol: version }));
        },
        onMessage(event) {
          if (typeof event.data !== "string") return session?.peer.close(CLOSE_CODES.unsupportedData, "text frames only");
          session?.receive(event.data);
        },
        onClose() {
          place?.release();
          if (!session) return;
          deps.openSockets.delete(session);
          void session.close();
        },
        onError(event) {
          logger.debug({ err: (event as ErrorEvent).error }, "websocket error");
        },
      };
    }),
  );
}
