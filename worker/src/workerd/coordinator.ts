import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { createDrizzleStore, schema, type Database } from "@parley/db";
import { createApp, type ParleyApp } from "../app.ts";
import { systemClock } from "../ports/clock.ts";
import { bcryptjsHasher } from "../ports/password-hasher.ts";
import { MemoryPresence } from "../ports/presence.ts";
import { createSuggester } from "../suggest/create-suggester.ts";
import { consoleLogger } from "./console-logger.ts";
import { soloBus } from "./solo-bus.ts";
import { upgradeWebSocket, workerdSockets } from "./upgrade-websocket.ts";
import { parseWorkerConfig, type WorkerEnv } from "./worker-config.ts";

/** How often messages stored by other runtimes on the same database are caught up (RoomHub.resync). */
const RESYNC_MS = 5000;

/**
 * The single-coordinator Durable Object: it runs the shared Hono app with every WebSocket of the
 * deployment, so fan-out, presence and the rate limiters are in-memory as in one Node worker.
 * PostgreSQL is reached through Hyperdrive with postgres.js; a Durable Object keeps its connections
 * across requests, which a stateless Worker invocation may not.
 */
export class ParleyCoordinator {
  private parley?: Promise<ParleyApp>;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {}

  async fetch(request: Request): Promise<Response> {
    let parley: ParleyApp;
    try {
      parley = await (this.parley ??= this.start());
    } catch (error) {
      this.parley = undefined;
      console.error(JSON.stringify({ level: 60, msg: `parley: cannot start: ${(error as Error).message}` }));
      return Response.json({ error: { code: "unavailable", message: "the worker cannot start; see its log" } }, { status: 503 });
    }
    return parley.app.fetch(request);
  }

  private async start(): Promise<ParleyApp> {
    const config = parseWorkerConfig(this.env);
    const workerId = config.workerId ?? `workerd-${this.state.id.toString().slice(0, 8)}`;
    const logger = consoleLogger(config.logLevel, workerId);
    // fetch_types off: Hyperdrive's recommendation, and the schema uses no custom types.
    const client = postgres(this.env.HYPERDRIVE.connectionString, { max: 5, fetch_types: false, onnotice: () => {}, connect_timeout: 5 });
    const store = createDrizzleStore(drizzle(client, { schema }) as unknown as Database);
    const suggester = createSuggester(config.suggest, { store, clock: systemClock, logger });
    const parley = createApp({
      settings: { workerId, jwtSecret: config.jwtSecret, jwtTtlSeconds: config.jwtTtlSeconds, allowedOrigins: config.allowedOrigins, trustedProxies: config.trustedProxies, rates: config.rates },
      store,
      bus: soloBus(),
      presence: new MemoryPresence(),
      clock: systemClock,
      // The async API yields between rounds; each call still costs CPU time on the Workers bill (README).
      hasher: bcryptjsHasher(config.bcryptCost),
      logger,
      suggester,
      upgradeWebSocket,
      sockets: workerdSockets,
      // Cloudflare's edge sets it (wrangler dev too); X-Forwarded-For is honoured only from TRUSTED_PROXIES.
      peerAddress: (c) => c.req.header("cf-connecting-ip") ?? "unknown",
    });
    setInterval(() => parley.hub.resync().catch((err) => logger.warn({ err }, "resync failed")), RESYNC_MS);
    void suggester.probe();
    logger.info({ database: "hyperdrive", suggest: config.suggest.engine }, "parley coordinator started");
    return parley;
  }
}
