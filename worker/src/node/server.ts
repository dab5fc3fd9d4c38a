import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { pino } from "pino";
import type { WebSocket } from "ws";
import { createDrizzleStore, withDeadline } from "@parley/db";
import { connectPglite, connectPostgres, type Connection } from "@parley/db/node";
import { answerMalformedRequests, type Logger, systemClock } from "@parley/common";
import { createRedisConnection, type RedisTarget } from "@parley/common/redis";
import { createApp, type ParleyApp } from "../app.ts";
import { fillNameSkeletons } from "../rooms/name-skeleton.ts";
import type { Config } from "../config.ts";
import { MemoryBusNetwork, type Bus } from "../ports/bus.ts";
import { loggableError } from "../ports/loggable-error.ts";
import type { PasswordHasher } from "../ports/password-hasher.ts";
import { MemoryPresence, type Presence } from "../ports/presence.ts";
import type { Suggester } from "../ports/suggester.ts";
import type { WorkerDirectory } from "../ports/worker-directory.ts";
import type { SocketAdapter } from "../realtime/ws-route.ts";
import { createNodeWebSocket } from "./node-websocket.ts";
import { countFailures, databaseFailure, redisFailure } from "./failure-count.ts";
import { PrometheusMetrics } from "./prometheus-metrics.ts";
import { createSuggester } from "../suggest/create-suggester.ts";
import { S3FileStorage } from "../storage/s3-file-storage.ts";
import { DiskFileStorage } from "./disk-file-storage.ts";
import { BcryptPool } from "./bcrypt-pool.ts";
import { resolveJwtSecret } from "./jwt-secret.ts";
import { serveWebUi } from "./static-ui.ts";
import { RedisAttemptBudget } from "./redis-attempt-budget.ts";
import { RedisBus } from "./redis-bus.ts";
import { RedisPresence } from "./redis-presence.ts";
import { RedisRevocations } from "./redis-revocations.ts";
import { RedisWorkerDirectory } from "./redis-worker-directory.ts";

/** How often dead workers' presence is swept and lost publishes are caught up from the database. */
const MAINTENANCE_MS = 5000;
/** Unattached uploads are swept every 120 rounds (10 minutes); each worker sweeps, skipping rows another is sweeping. */
const UPLOAD_SWEEP_TICKS = 120;

export interface RunningWorker {
  url: string;
  port: number;
  workerId: string;
  parley: ParleyApp;
  /** Drains and stops: readiness off, sockets closed with 1001, in-flight work finished, connections closed. */
  shutdown(): Promise<void>;
}

/** Overrides for tests: ports built elsewhere (for example several workers on one in-memory bus). */
export interface WorkerOverrides {
  bus?: Bus;
  presence?: Presence;
  connection?: Connection;
  logger?: Logger;
  hasher?: PasswordHasher;
  suggester?: Suggester;
  /** The live workers (tests with many in-process workers); from Redis when there is one. */
  directory?: WorkerDirectory;
  /** The WebSocket upgrade for Node; node-websocket.ts unless a bench compares another. */
  webSocket?: NodeWebSocketFactory;
}

/** What the worker needs of a Node WebSocket integration: Hono's upgrade helper, the server hook, the `ws` server. */
export type NodeWebSocketFactory = (app: ParleyApp["app"]) => Pick<ReturnType<typeof createNodeWebSocket>, "wss" | "upgradeWebSocket" | "injectWebSocket">;

const nodeSockets: SocketAdapter = {
  bufferedAmount: (ws) => (ws.raw as WebSocket).bufferedAmount,
  abort(ws, code, reason) {
    const raw = ws.raw as WebSocket;
    raw.close(code, reason);
    // A consumer that does not read will not read our close frame either.
    setTimeout(() => raw.terminate(), 1000).unref();
  },
};

/** Starts a Parley worker on Node: PostgreSQL or PGlite, Redis or the in-process bus. */
export async function startNodeWorker(config: Config, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  const logger =
    overrides.logger ??
    pino({
      level: config.logLevel,
      base: { worker: config.workerId },
      redact: ["*.password", "*.currentPassword", "*.newPassword", "*.token", "*.refreshToken", "*.authorization"],
      serializers: { err: loggableError },
    });
  const workerId = config.workerId ?? `${hostname()}:${config.port || `pid${process.pid}`}`;
  // Only a worker that will be scraped keeps a registry; the others count nothing.
  const metrics = config.metricsToken ? new PrometheusMetrics() : undefined;
  /** The app's view of a port: its failed calls counted (shutdown closes the port itself, uncounted). */
  const viaRedis = <T extends object>(port: T): T => (metrics && connect ? countFailures(port, redisFailure(metrics)) : port);
  const jwtSecret = resolveJwtSecret({ secret: config.jwtSecret, production: config.production, dataDir: config.dataDir });

  const connection = overrides.connection ?? (config.databaseUrl ? connectPostgres(config.databaseUrl) : await connectPglite(join(config.dataDir, "pglite")));
  if (!overrides.connection) await connection.migrate({ messagePartitions: config.messagePartitions });
  // Every Redis connection of the worker is made here, standalone or Cluster alike, and handed to its port.
  const redisTarget: RedisTarget | undefined =
    config.redisClusterNodes || config.redisUrl ? { url: config.redisUrl, clusterNodes: config.redisClusterNodes } : undefined;
  const connect = redisTarget && ((name: string) => createRedisConnection(redisTarget, `${name}-${workerId}`, logger));
  const bus =
    overrides.bus ??
    (connect ? new RedisBus({ pub: connect("pub"), sub: connect("sub") }, config.redisPrefix, workerId, logger) : new MemoryBusNetwork().node());
  const presence =
    overrides.presence ??
    (connect ? new RedisPresence(connect("presence"), config.redisPrefix, workerId, config.presenceTtlSeconds * 1000, logger) : new MemoryPresence());
  // Revoked tokens and failed-login budgets must be seen by every worker: in Redis when there is one.
  const revocationsRedis = connect?.("auth");
  const revocations = revocationsRedis ? new RedisRevocations(revocationsRedis, config.redisPrefix) : undefined;
  const attempts = revocationsRedis ? new RedisAttemptBudget(revocationsRedis, config.redisPrefix, systemClock, logger) : undefined;
  // A room's sends go to the worker that owns it, found among the workers heartbeating in Redis.
  // Plain single-key commands: it shares the connection of revocations and login budgets.
  const directoryRedis = !overrides.directory && config.writeRouting ? revocationsRedis : undefined;
  const redisDirectory = directoryRedis ? new RedisWorkerDirectory(directoryRedis, config.redisPrefix, workerId, logger) : undefined;
  const directory = overrides.directory ?? redisDirectory;
  const hasher = overrides.hasher ?? new BcryptPool(config.bcryptCost, Math.min(2, availableParallelism()));
  // A database that went away answers "unavailable, retry" within DB_TIMEOUT_MS instead of queueing.
  const store = withDeadline(createDrizzleStore(connection.db), config.dbTimeoutMs);
  void fillNameSkeletons(store, logger);
  const suggestService = overrides.suggester ? undefined : createSuggester(config.suggest, { store, clock: systemClock, logger });
  const suggester = overrides.suggester ?? suggestService!;

  let upgrade: ReturnType<NodeWebSocketFactory>["upgradeWebSocket"] | undefined;
  const parley = createApp({
    settings: {
      workerId,
      jwtSecret,
      jwtTtlSeconds: config.jwtTtlSeconds,
      refreshTtlSeconds: config.refreshTtlSeconds,
      allowedOrigins: config.allowedOrigins,
      trustedProxies: config.trustedProxies,
      adminUsernames: config.adminUsernames,
      rates: config.rates,
      sockets: config.sockets,
      writeForwardTimeoutMs: config.writeForwardTimeoutMs,
      metricsToken: config.metricsToken,
      uploads: config.uploads,
    },
    // Every worker must see the same files: S3, or one DATA_DIR on a shared volume (docs/operations.md).
    files: config.s3 ? new S3FileStorage(config.s3) : new DiskFileStorage(join(config.dataDir, "uploads")),
    store: metrics ? countFailures(store, databaseFailure(metrics)) : store,
    bus: viaRedis(bus),
    presence: viaRedis(presence),
    clock: systemClock,
    hasher,
    logger,
    revocations: revocations ? viaRedis(revocations) : undefined,
    attempts: attempts ? viaRedis(attempts) : undefined,
    directory,
    suggester,
    metrics,
    // The upgrade helper needs the app to exist, and the app needs the upgrade helper: resolve it per request.
    upgradeWebSocket: ((createEvents: never, options: never) => (c: never, next: never) => upgrade!(createEvents, options)(c, next)) as never,
    sockets: nodeSockets,
    peerAddress: (c) => getConnInfo(c).remote.address ?? "unknown",
  });
  metrics?.watch(parley);
  // The built web UI at `/`, after every API route (web UI issue).
  serveWebUi(parley.app);
  // 64 KiB frames and the parley.v2/v1 subprotocols (the ws defaults are 100 MiB and any subprotocol).
  const ws = (overrides.webSocket ?? createNodeWebSocket)(parley.app);
  upgrade = ws.upgradeWebSocket;

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: parley.app.fetch, port: config.port, hostname: config.host, serverOptions: httpServerOptions(config.http) }, () => resolve(s));
  });
  // Past it Node closes new connections at once, before they cost a request or a socket.
  server.maxConnections = config.http.maxConnections;
  if ("keepAliveTimeout" in server) server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  ws.injectWebSocket(server as never);
  answerMalformedRequests(server);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;

  // Listed only once it serves: the others start forwarding sends here from the next heartbeat.
  await redisDirectory?.start();
  let ticks = 0;
  const maintenance = setInterval(() => {
    parley.hub.sweep().then(
      () => metrics?.presenceSwept(true),
      (err) => {
        metrics?.presenceSwept(false);
        logger.warn({ err }, "presence sweep failed");
      },
    );
    parley.hub.resync().catch((err) => logger.warn({ err }, "resync failed"));
    if (++ticks % UPLOAD_SWEEP_TICKS === 0) parley.sweepUploads().catch((err) => logger.warn({ err }, "upload sweep failed"));
  }, MAINTENANCE_MS);
  maintenance.unref();

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      logger.info({}, "shutting down");
      clearInterval(maintenance);
      // Leave the directory first: the others store this worker's rooms themselves from their next heartbeat.
      await redisDirectory?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      parley.drain();
      await until(() => parley.connections() === 0 && parley.hub.stats().connections === 0, config.shutdownTimeoutMs);
      ws.wss.clients.forEach((client) => client.terminate());
      if ("closeIdleConnections" in server) server.closeIdleConnections();
      await Promise.race([closed, sleep(config.shutdownTimeoutMs)]);
      await presence.close().catch(() => {});
      await bus.close().catch(() => {});
      revocationsRedis?.disconnect();
      await hasher.close?.().catch(() => {});
      if (!overrides.connection) await connection.close().catch(() => {});
      logger.info({}, "stopped");
    })());

  // Find out whether the language model is there now rather than on the first suggestion.
  void suggestService?.probe();
  logger.info(
    { port, database: connection.kind, bus: config.redisClusterNodes ? "redis-cluster" : config.redisUrl ? "redis" : "memory", suggest: config.suggest.engine },
    "parley worker listening",
  );
  return { url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`, port, workerId, parley, shutdown };
}

/**
 * Node's defaults let a client hold a connection 60 s without finishing its head and 300 s without
 * finishing its body (slowloris). Node checks these on a timer, every `connectionsCheckingInterval`
 * (30 s by default): a quarter of the head timeout keeps the bound near what is configured.
 */
export function httpServerOptions(http: Config["http"]) {
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(http.headersTimeoutMs / 4))),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(25);
}
