import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import type { UpgradeWebSocket } from "hono/ws";
import type { Store } from "@parley/db";
import { CLOSE_CODES, isUploadRequest, LIMITS, type User } from "@parley/protocol";
import { ApiError, clientAddress, type Clock, isHttps, type Logger, toApiError, TokenBuckets, TokenIssuer } from "@parley/common";
import { registerAdminRoutes } from "./admin/admin-routes.ts";
import { registerAuthRoutes, requireUser } from "./auth/auth-routes.ts";
import { AuthService } from "./auth/auth-service.ts";
import { DeviceTokens } from "./auth/device-tokens.ts";
import { RefreshTokens } from "./auth/refresh-tokens.ts";
import { SignOut } from "./auth/sign-out.ts";
import { registerHealthRoutes } from "./health-routes.ts";
import { idempotency } from "./http/idempotency.ts";
import type { AppEnv } from "./http/context.ts";
import { registerMessageRoutes } from "./messages/message-routes.ts";
import { MessageService } from "./messages/message-service.ts";
import { RoomWriteRouter } from "./messages/room-write-router.ts";
import { LocalRoomWrites } from "./messages/room-writes.ts";
import { noMetrics, registerMetricsRoute, type Metrics } from "./metrics.ts";
import { MemoryAttemptBudget, type AttemptBudget } from "./ports/attempt-budget.ts";
import type { Bus, SessionEvent } from "./ports/bus.ts";
import type { PasswordHasher } from "./ports/password-hasher.ts";
import type { Presence } from "./ports/presence.ts";
import { MemoryRevocations, type Revocations } from "./ports/revocations.ts";
import { Sessions } from "./auth/sessions.ts";
import { noSuggester, type Suggester } from "./ports/suggester.ts";
import type { WorkerDirectory } from "./ports/worker-directory.ts";
import type { Peer } from "./realtime/peer.ts";
import { RoomHub } from "./realtime/room-hub.ts";
import { DEFAULT_SOCKET_LIMITS, type SocketLimits } from "./realtime/socket-quota.ts";
import { registerWsRoute, type SocketAdapter } from "./realtime/ws-route.ts";
import { registerDmRoutes } from "./rooms/dm-routes.ts";
import { registerMemberRoutes } from "./rooms/member-routes.ts";
import { registerRoomRoutes } from "./rooms/room-routes.ts";
import { registerSearchRoute } from "./search/search-route.ts";
import { registerSuggestRoute } from "./suggest/suggest-route.ts";
import type { FileStorage } from "./ports/file-storage.ts";
import { registerUploadRoutes } from "./uploads/upload-routes.ts";
import { DEFAULT_UPLOAD_SETTINGS, UploadService, type UploadSettings } from "./uploads/upload-service.ts";

export interface AppSettings {
  workerId: string;
  jwtSecret: string;
  jwtTtlSeconds: number;
  /** Refresh-token lifetime; 30 days when absent. */
  refreshTtlSeconds?: number;
  allowedOrigins: readonly string[];
  trustedProxies: readonly string[];
  /** Usernames made server admins at start and when they register (ADMIN_USERNAMES). */
  adminUsernames?: readonly string[];
  rates: {
    message: { max: number; windowSeconds: number };
    login: { max: number; windowSeconds: number };
    /** Logins per client address across usernames; 30 a minute when absent. */
    loginAddress?: { max: number; windowSeconds: number };
    register: { max: number; windowSeconds: number };
    frame: { max: number; windowSeconds: number };
    /** Rooms created per user; 20 an hour when absent. */
    room?: { max: number; windowSeconds: number };
    /** Searches per user; 60 a minute when absent. */
    search?: { max: number; windowSeconds: number };
  };
  /** Live WebSockets per user and per client address; 20 and 200 when absent. */
  sockets?: SocketLimits;
  /** How long a send forwarded to its room's owner waits for the answer before it is stored here; 1500 ms when absent. */
  writeForwardTimeoutMs?: number;
  /** The bearer token `GET /metrics` needs; without it the endpoint answers 404. */
  metricsToken?: string;
  /** Upload size limit and rate per user; 25 MiB and 30 a minute when absent. */
  uploads?: UploadSettings;
}

/** Everything the app needs from its runtime. Nothing in the core imports a runtime. */
export interface AppDeps {
  settings: AppSettings;
  store: Store;
  bus: Bus;
  presence: Presence;
  clock: Clock;
  hasher: PasswordHasher;
  logger: Logger;
  /** Failed-login budgets per account and device, for every worker; in memory (one process) when absent. */
  attempts?: AttemptBudget;
  /** Revoked tokens; in memory (one process) when absent. */
  revocations?: Revocations;
  /** The live workers: with one, a room's sends are stored by the worker that owns it; without, where they arrive. */
  directory?: WorkerDirectory;
  suggester?: Suggester;
  /** Counters and histograms for `GET /metrics`; nothing is counted when absent. */
  metrics?: Metrics;
  /** Where uploaded files' bytes go; without it uploads answer 503. */
  files?: FileStorage;
  upgradeWebSocket: UpgradeWebSocket<unknown>;
  sockets: SocketAdapter;
  /** The socket peer's address of a request. */
  peerAddress: (c: Context) => string;
}

export interface ParleyApp {
  app: Hono<AppEnv>;
  hub: RoomHub;
  /** Stops readiness and new WebSockets, and closes open ones with 1001 and reconnect advice. */
  drain(): void;
  /** Open WebSocket sessions on this worker. */
  connections(): number;
  /** Deletes uploads never attached to a message within a day; answers how many (run it now and then). */
  sweepUploads(): Promise<number>;
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** Builds the Parley HTTP + WebSocket app from its ports. */
export function createApp(deps: AppDeps): ParleyApp {
  const { settings, store, bus, presence, clock, hasher, logger, metrics = noMetrics } = deps;
  const app = new Hono<AppEnv>();
  const tokens = new TokenIssuer(settings.jwtSecret, settings.jwtTtlSeconds, clock);
  const hub = new RoomHub({ store, bus, presence, logger, metrics });
  const writes = deps.directory
    ? new RoomWriteRouter({ store, hub, directory: deps.directory, logger, timeoutMs: settings.writeForwardTimeoutMs ?? 1500 })
    : new LocalRoomWrites(store, hub);
  const uploads = new UploadService(store, deps.files, clock, logger, settings.uploads ?? DEFAULT_UPLOAD_SETTINGS);
  const messages = new MessageService(store, hub, clock, settings.rates.message, writes, (ids) => uploads.remove(ids));
  const sessions = new Sessions(tokens, deps.revocations ?? new MemoryRevocations(clock));
  const openSockets = new Set<{ peer: Peer }>();
  /** Closes the sockets here that live on a revoked token or session, or on a token of a user signed out everywhere. */
  const closeSignedOut = (event: SessionEvent) => {
    for (const { peer } of openSockets) {
      const token = peer.token;
      const hit =
        event.kind === "revoked" ? token?.jti === event.jti || token?.sid === event.jti : peer.user.id === event.userId && (token?.iat ?? 0) <= event.before;
      if (hit) peer.close(CLOSE_CODES.policyViolation, "signed out");
    }
  };
  const signOut = new SignOut(store, sessions, clock, (event) => {
    closeSignedOut(event);
    hub.revoked(event);
  });
  const refreshTokens = new RefreshTokens(store, settings.refreshTtlSeconds ?? 30 * 24 * 3600, clock);
  const devices = new DeviceTokens(settings.jwtSecret, clock);
  const adminUsernames = settings.adminUsernames ?? [];
  const auth = new AuthService(
    store,
    hasher,
    tokens,
    devices,
    deps.attempts ?? new MemoryAttemptBudget(clock),
    refreshTokens,
    signOut,
    clock,
    settings.rates,
    adminUsernames,
  );
  if (adminUsernames.length > 0) store.makeAdmins(adminUsernames).catch((err: unknown) => logger.warn({ err }, "cannot make ADMIN_USERNAMES admins"));
  const roomRate = settings.rates.room ?? { max: 20, windowSeconds: 3600 };
  const creations = TokenBuckets.perWindow(roomRate.max, roomRate.windowSeconds, clock);
  const authenticate = requireUser(sessions);
  const address = (c: Context) => clientAddress(deps.peerAddress(c), c.req.header("x-forwarded-for"), settings.trustedProxies);
  const suggester = deps.suggester ?? noSuggester;
  let draining = false;

  app.use(async (c, next) => {
    const sent = c.req.header("x-request-id");
    const requestId = sent && REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
    c.set("requestId", requestId);
    const started = clock.now();
    await next();
    c.header("x-served-by", settings.workerId);
    c.header("x-request-id", requestId);
    // The path only: no query string, no headers, so no token can reach the log.
    logger.info({ requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: clock.now() - started }, "request");
  });
  if (settings.allowedOrigins.length > 0) {
    app.use(
      "/api/*",
      cors({
        origin: [...settings.allowedOrigins],
        allowHeaders: ["Authorization", "Content-Type", "X-Request-Id", "Idempotency-Key"],
        exposeHeaders: [
          "x-served-by",
          "x-request-id",
          "Content-Disposition",
          "Idempotency-Replayed",
          "Retry-After",
          "RateLimit-Limit",
          "RateLimit-Remaining",
          "RateLimit-Reset",
        ],
        maxAge: 600,
      }),
    );
  }

  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.code === "internal") logger.error({ err: error, requestId: c.get("requestId") }, "unhandled error");
    if (apiError.code === "rate_limited") metrics.rateLimited("http");
    if (apiError.retryAfter) c.header("Retry-After", String(apiError.retryAfter));
    for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
    return c.json({ error: { code: apiError.code, message: apiError.message } }, apiError.status);
  });
  app.notFound(() => {
    throw new ApiError("not_found", "no such endpoint");
  });
  app.use("/api/*", async (c, next) => {
    const length = Number(c.req.header("content-length") ?? "0");
    // An upload's body is bounded by the upload limit instead (its route reads it).
    if (length > LIMITS.requestBodyBytes && !isUploadRequest(c.req.method, c.req.path))
      throw new ApiError("too_large", `request bodies are limited to ${LIMITS.requestBodyBytes} bytes`);
    await next();
  });
  app.use(
    "/api/*",
    idempotency({
      store,
      sessions,
      clock,
      logger,
      secret: settings.jwtSecret,
      // A replayed sign-up gets a token of its own; the first one is never stored.
      credentialed: { "/api/auth/register": async (kept) => ({ ...kept, ...(await tokens.issue(kept.user as User)) }) },
    }),
  );

  registerHealthRoutes(app, {
    checks: [
      { name: "database", check: () => store.ping() },
      { name: "bus", check: () => bus.ping() },
    ],
    draining: () => draining,
    report: () => ({ suggest: suggester.status?.() ?? { engine: "off" } }),
  });
  registerMetricsRoute(app, { metrics, token: settings.metricsToken });
  hub.onRevoked(closeSignedOut).catch((err) => logger.warn({ err }, "cannot listen for sign-outs"));
  registerAuthRoutes(app, {
    auth,
    store,
    sessions,
    signOut,
    authenticate,
    address,
    secure: (c) => isHttps(c.req.url, deps.peerAddress(c), c.req.header("x-forwarded-proto"), settings.trustedProxies),
  });
  registerRoomRoutes(app, { store, presence, hub, clock, authenticate, creations });
  registerMemberRoutes(app, { store, presence, hub, clock, authenticate });
  registerDmRoutes(app, { store, presence, hub, clock, authenticate, creations });
  registerAdminRoutes(app, { store, presence, signOut, clock, authenticate });
  registerMessageRoutes(app, { store, messages, authenticate });
  registerUploadRoutes(app, { uploads, authenticate });
  registerSuggestRoute(app, { suggester, messages, authenticate });
  registerSearchRoute(app, { store, messages, clock, authenticate, rate: settings.rates.search ?? { max: 60, windowSeconds: 60 } });
  registerWsRoute(app, {
    upgradeWebSocket: deps.upgradeWebSocket,
    sockets: deps.sockets,
    allowedOrigins: settings.allowedOrigins,
    workerId: settings.workerId,
    logger,
    draining: () => draining,
    openSockets,
    sessions,
    hub,
    messages,
    suggester,
    clock,
    frameRate: settings.rates.frame,
    metrics,
    address,
    socketLimits: settings.sockets ?? DEFAULT_SOCKET_LIMITS,
  });

  return {
    app,
    hub,
    connections: () => openSockets.size,
    sweepUploads: () => uploads.sweep(),
    drain() {
      draining = true;
      for (const { peer } of openSockets) {
        // Spread reconnects over ~5 s so a drained worker's clients do not all land at once.
        const retryMs = 500 + Math.floor(Math.random() * 5000);
        peer.close(CLOSE_CODES.goingAway, JSON.stringify({ reason: "draining", retryMs }));
      }
    },
  };
}
