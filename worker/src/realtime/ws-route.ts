import type { Context, Hono } from "hono";
import type { UpgradeWebSocket, WSContext, WSEvents } from "hono/ws";
import { CLOSE_CODES, negotiateProtocol, type ProtocolVersion, type User } from "@parley/protocol";
import { ApiError, type Logger, upgradeToken } from "@parley/common";
import type { Sessions } from "../auth/sessions.ts";
import type { AppEnv } from "../http/context.ts";
import { encode, type Peer, type PeerToken } from "./peer.ts";
import { SocketQuota, type SocketLimits } from "./socket-quota.ts";
import { connectionLimits, WsSession, type SessionDeps } from "./ws-session.ts";

/** What the runtime knows about its sockets that Hono's WSContext does not say. */
export interface SocketAdapter {
  /** Bytes queued for sending, not yet taken by the network. */
  bufferedAmount(ws: WSContext): number;
  /** Closes now, without waiting for a peer that may not be reading. */
  abort(ws: WSContext, code: number, reason: string): void;
  /** Set by a runtime whose sockets outlive the app's memory (workerd's hibernation). */
  hibernation?: SocketHibernation;
}

/** What a connection keeps with its socket, so that a new instance of the app can carry it on. */
export interface ConnectionState {
  user: User;
  token?: PeerToken;
  version: ProtocolVersion;
  /** The client address its socket counts against. */
  address: string;
  /** Its subscriptions, each with the last seq it was sent (RoomHub.cursorsOf). */
  rooms: Record<string, number>;
  /** The last seq of its user's stream it was sent, if it subscribed to that stream (UserStreams.cursorOf). */
  userCursor?: number;
}

/**
 * Sockets that stay open while the app is evicted from memory: each connection's state is kept
 * with its socket, and a new instance of the app resumes the connection from it.
 */
export interface SocketHibernation {
  /** Rooms one connection may be subscribed to: as many as its kept state has room for. */
  maxRooms: number;
  /** Keeps a connection's state with its socket: when it opens, and after every frame sent to it (its cursors moved). */
  keep(ws: WSContext, state: ConnectionState): void;
  /** Called once with the function that brings a connection back on its socket from the state it kept. */
  onResume(resume: (ws: WSContext, state: ConnectionState) => WSEvents): void;
}

type SocketPlace = ReturnType<SocketQuota["take"]>;

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
  const { upgradeWebSocket, sockets, sessions, workerId, logger, hub } = deps;
  const { hibernation } = sockets;
  let counter = 0;
  const limits = connectionLimits(deps);
  const quota = new SocketQuota(deps.socketLimits);
  const sessionDeps: SessionDeps = hibernation ? { ...deps, maxRooms: hibernation.maxRooms } : deps;

  /** One connection's events; `resumed` when it comes back on its open socket from the state that socket kept. */
  function connection(
    state: Omit<ConnectionState, "rooms" | "userCursor">,
    place: SocketPlace | undefined,
    resumed?: { ws: WSContext; rooms: Record<string, number>; userCursor?: number },
  ) {
    const { user, version } = state;
    let session: WsSession | undefined;
    let keeping = false;
    /** Once per burst of frames: their cursors have moved by the time the microtask runs. */
    const keep = (ws: WSContext) => {
      if (!hibernation || keeping) return;
      keeping = true;
      queueMicrotask(() => {
        keeping = false;
        if (!session || ws.readyState !== 1) return;
        const userCursor = hub.users.cursorOf(session.peer);
        hibernation.keep(ws, { ...state, token: session.peer.token, rooms: hub.cursorsOf(session.peer), ...(userCursor === undefined ? {} : { userCursor }) });
      });
    };
    const open = (ws: WSContext) => {
      const peer: Peer = {
        id: `${workerId}/${++counter}`,
        user,
        token: state.token,
        version,
        send(text) {
          if (ws.readyState !== 1) return;
          if (sockets.bufferedAmount(ws) > SLOW_CONSUMER_BYTES) {
            logger.warn({ user: user.id }, "slow consumer disconnected");
            return sockets.abort(ws, CLOSE_CODES.policyViolation, "slow consumer");
          }
          ws.send(text);
          keep(ws);
        },
        close: (code, reason) => ws.close(code, reason),
      };
      session = new WsSession(peer, sessionDeps, limits);
      deps.openSockets.add(session);
      return session;
    };
    if (resumed) void open(resumed.ws).resume(resumed.rooms, resumed.userCursor);
    const events: WSEvents = {
      onOpen(_event, ws) {
        place?.opened();
        open(ws);
        ws.send(encode({ type: "hello", user, worker: workerId, protocol: version }));
        keep(ws);
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
    return events;
  }

  hibernation?.onResume((ws, state) => {
    // The socket is open already: it counts against the caps again, but is not refused by them.
    let place: SocketPlace | undefined;
    try {
      place = quota.take(state.user.id, state.address);
      place.opened();
    } catch {
      place = undefined;
    }
    return connection(state, place, { ws, rooms: state.rooms, userCursor: state.userCursor });
  });

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
      const { jti, sid, iat, exp } = c.get("session");
      // The runtime's helper answers the same subprotocol from the same header (negotiateProtocol).
      const { version } = negotiateProtocol(c.req.header("sec-websocket-protocol"));
      return connection({ user: c.get("user"), token: { jti, sid, iat, exp }, version, address: deps.address(c) }, c.get("socketPlace"));
    }),
  );
}
