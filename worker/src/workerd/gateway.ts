import { drizzle } from "drizzle-orm/postgres-js";
import { fillNameSkeletons } from "../rooms/name-skeleton.ts";
import postgres from "postgres";
import { createDrizzleStore, schema, type Database } from "@parley/db";
import { systemClock } from "@parley/common";
import { createApp, type ParleyApp } from "../app.ts";
import { SESSIONS_CHANNEL } from "../ports/bus.ts";
import { bcryptjsHasher } from "../ports/password-hasher.ts";
import { createSuggester } from "../suggest/create-suggester.ts";
import { consoleLogger } from "./console-logger.ts";
import { GATEWAY_HEADER } from "./gateway-routing.ts";
import { roomObject } from "./room-api.ts";
import { RoomObjectBus } from "./room-object-bus.ts";
import { RoomObjectPresence } from "./room-object-presence.ts";
import { RoomObjectRevocations } from "./room-object-revocations.ts";
import { upgradeWebSocket, workerdSockets } from "./upgrade-websocket.ts";
import { parseGatewayConfig, parseWorkerConfig, type WorkerEnv } from "./worker-config.ts";

/** How often the hub catches up from the database: lost relays, and messages stored by other runtimes. */
const RESYNC_MS = 5000;

/**
 * A gateway Durable Object: it runs the shared Hono app for one shard of users (the entry routes by
 * user) and holds their WebSockets, which multiplex many rooms. Rooms are reached through their own
 * objects: the bus and presence ports talk to them (room-object-bus.ts, room-object-presence.ts).
 * PostgreSQL is reached through Hyperdrive with postgres.js; a Durable Object keeps its connections
 * across requests, which a stateless Worker invocation may not.
 */
export class ParleyGateway {
  private parley?: Promise<ParleyApp>;
  private ports?: { bus: RoomObjectBus; presence: RoomObjectPresence };

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {}

  async fetch(request: Request): Promise<Response> {
    const shard = Number(request.headers.get(GATEWAY_HEADER) ?? "0");
    if (new URL(request.url).pathname === "/_debug/abort" && parseGatewayConfig(this.env).debug) return this.die();
    let parley: ParleyApp;
    try {
      parley = await (this.parley ??= this.start(shard));
    } catch (error) {
      this.parley = undefined;
      console.error(JSON.stringify({ level: 60, msg: `parley: cannot start: ${(error as Error).message}` }));
      return Response.json({ error: { code: "unavailable", message: "the worker cannot start; see its log" } }, { status: 503 });
    }
    return parley.app.fetch(request);
  }

  /**
   * Tests (GATEWAY_DEBUG): dies as on a crash. Its ports go silent first, so no goodbye of its own
   * reaches a room: room objects see its sockets close, drop its users and announce them gone.
   */
  private async die(): Promise<Response> {
    if (this.ports) await Promise.all([this.ports.bus.close(), this.ports.presence.close()]);
    this.state.abort("debug: gateway aborted");
    return new Response(null, { status: 204 });
  }

  private async start(shard: number): Promise<ParleyApp> {
    const rooms = this.env.ROOMS;
    const config = await parseWorkerConfig(this.env, () => roomObject(rooms, SESSIONS_CHANNEL).devSecret());
    const workerId = `${config.workerId ?? "workerd"}-g${shard}`;
    // Per instance: a restarted gateway's stale sockets must not be mistaken for the new one's.
    const gateway = `g${shard}-${crypto.randomUUID().slice(0, 8)}`;
    const logger = consoleLogger(config.logLevel, workerId);
    // fetch_types off: Hyperdrive's recommendation, and the schema uses no custom types.
    const client = postgres(this.env.HYPERDRIVE.connectionString, { max: 5, fetch_types: false, onnotice: () => {}, connect_timeout: 5 });
    const store = createDrizzleStore(drizzle(client, { schema }) as unknown as Database);
    void fillNameSkeletons(store, logger);
    const suggester = createSuggester(config.suggest, { store, clock: systemClock, logger });
    const revocations = new RoomObjectRevocations(rooms, systemClock, config.jwtTtlSeconds);
    const bus = new RoomObjectBus({
      rooms,
      gateway,
      logger,
      tap: (_roomId, event) => (event.kind === "revoked" || event.kind === "signed-out") && revocations.heard(event),
    });
    const presence = new RoomObjectPresence(rooms, gateway);
    bus.onReconnect((roomId) => presence.restore(roomId));
    this.ports = { bus, presence };
    const parley = createApp({
      settings: {
        workerId,
        jwtSecret: config.jwtSecret,
        jwtTtlSeconds: config.jwtTtlSeconds,
        refreshTtlSeconds: config.refreshTtlSeconds,
        allowedOrigins: config.allowedOrigins,
        trustedProxies: config.trustedProxies,
        rates: config.rates,
        sockets: config.sockets,
      },
      store,
      bus,
      presence,
      revocations,
      clock: systemClock,
      // The async API yields between rounds; each call still costs CPU time on the Workers bill (docs/cloudflare.md).
      hasher: bcryptjsHasher(config.bcryptCost),
      logger,
      suggester,
      upgradeWebSocket,
      sockets: workerdSockets,
      // Cloudflare's edge sets it (wrangler dev too); X-Forwarded-For is honoured only from TRUSTED_PROXIES.
      peerAddress: (c) => c.req.header("cf-connecting-ip") ?? "unknown",
    });
    // After createApp: the hub has subscribed to the sessions channel, so no revocation falls between.
    try {
      await revocations.load();
    } catch (error) {
      // The next request starts over; this attempt's room sockets must not linger.
      await bus.close();
      throw error;
    }
    setInterval(() => parley.hub.resync().catch((err) => logger.warn({ err }, "resync failed")), RESYNC_MS);
    void suggester.probe();
    logger.info({ database: "hyperdrive", gateway, suggest: config.suggest.engine }, "parley gateway started");
    return parley;
  }
}
