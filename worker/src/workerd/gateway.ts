import { drizzle } from "drizzle-orm/postgres-js";
import { fillNameSkeletons } from "../rooms/name-skeleton.ts";
import postgres from "postgres";
import { createDrizzleStore, schema, type Database } from "@parley/db";
import { systemClock } from "@parley/common";
import { CLOSE_CODES } from "@parley/protocol";
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
import { ClientSockets } from "./upgrade-websocket.ts";
import { parseGatewayConfig, parseWorkerConfig, type WorkerEnv } from "./worker-config.ts";
import { S3FileStorage } from "../storage/s3-file-storage.ts";

/** How often the hub catches up from the database: lost relays, and messages stored by other runtimes. */
const RESYNC_MS = 5000;

/** One life of a gateway in memory: it ends when the object is evicted or reset. */
interface GatewayInstance {
  /** This instance's id, as room objects know it. */
  gateway: string;
  parley: ParleyApp;
  sockets: ClientSockets;
  /** Closes its sockets to room objects (no goodbye reaches a room: it sees them close). */
  closePorts(): Promise<void>;
  /** Drops everything it holds but the clients' sockets, which the runtime keeps. */
  stop(): Promise<void>;
}

/**
 * A gateway Durable Object: it runs the shared Hono app for one shard of users (the entry routes by
 * user) and holds their WebSockets, which multiplex many rooms. With GATEWAY_HIBERNATION=on
 * those are hibernatable (upgrade-websocket.ts): each keeps its connection's state in its
 * attachment, and an instance that wakes with open sockets resumes them all, each subscription
 * from its cursor. Rooms are reached
 * through their own objects: the bus and presence ports talk to them (room-object-bus.ts,
 * room-object-presence.ts). PostgreSQL is reached through Hyperdrive with postgres.js; a Durable
 * Object keeps its connections across requests, which a stateless Worker invocation may not.
 */
export class ParleyGateway {
  private instance?: Promise<GatewayInstance>;
  private readonly sql: SqlStorage;
  /** The shard last read or written, so requests do not read it from storage each time. */
  private knownShard?: string;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {
    this.sql = state.storage.sql;
    this.sql.exec("create table if not exists setting (name text primary key, value text not null)");
  }

  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const debug = parseGatewayConfig(this.env).debug;
    if (path === "/_debug/abort" && debug) return this.die();
    this.rememberShard(request.headers.get(GATEWAY_HEADER));
    if (path === "/_debug/evict" && debug && parseGatewayConfig(this.env).hibernation) return this.evict();
    let live: GatewayInstance;
    try {
      live = await this.live();
    } catch {
      return Response.json({ error: { code: "unavailable", message: "the worker cannot start; see its log" } }, { status: 503 });
    }
    return live.parley.app.fetch(request);
  }

  async webSocketMessage(ws: WorkerdWebSocket, message: string | ArrayBuffer): Promise<void> {
    (await this.liveFor(ws))?.sockets.message(ws, message);
  }

  async webSocketClose(ws: WorkerdWebSocket, code: number, reason: string): Promise<void> {
    const live = await this.instance?.catch(() => undefined);
    if (live) live.sockets.close(ws, code, reason);
    else (await this.liveFor(ws))?.sockets.close(ws, code, reason);
  }

  async webSocketError(ws: WorkerdWebSocket, error: unknown): Promise<void> {
    (await this.liveFor(ws))?.sockets.error(ws, error);
  }

  /** The running instance, started (and its sockets resumed) when there is none. */
  private live(): Promise<GatewayInstance> {
    const starting = (this.instance ??= this.start(this.shard()));
    starting.catch((error: unknown) => {
      if (this.instance === starting) this.instance = undefined;
      console.error(JSON.stringify({ level: 60, msg: `parley: cannot start: ${(error as Error).message}` }));
    });
    return starting;
  }

  /** The running instance for an event of `ws`; without one the client is told to reconnect later. */
  private async liveFor(ws: WorkerdWebSocket): Promise<GatewayInstance | undefined> {
    try {
      return await this.live();
    } catch {
      ws.close(CLOSE_CODES.tryAgainLater, "the gateway cannot start; reconnect later");
      return undefined;
    }
  }

  /**
   * Tests (GATEWAY_DEBUG): dies as on a crash. Its ports go silent first, so no goodbye of its own
   * reaches a room: room objects see its sockets close, drop its users and announce them gone.
   */
  private async die(): Promise<Response> {
    await (await this.instance?.catch(() => undefined))?.closePorts();
    this.state.abort("debug: gateway aborted");
    return new Response(null, { status: 204 });
  }

  /**
   * Tests (GATEWAY_DEBUG): drops this instance as an eviction does (its memory, and with it its
   * sockets to room objects and PostgreSQL; the runtime keeps the clients' sockets) and wakes a new
   * one at once, as a room's event would, which resumes every client from its socket's attachment.
   */
  private async evict(): Promise<Response> {
    const old = await this.instance?.catch(() => undefined);
    this.instance = undefined;
    await old?.stop();
    try {
      const woken = await this.live();
      return Response.json({ evicted: old?.gateway ?? null, woken: woken.gateway });
    } catch {
      return Response.json({ error: { code: "unavailable", message: "the worker cannot start; see its log" } }, { status: 503 });
    }
  }

  /** The shard comes with every forwarded request; an instance woken by a socket event reads it back. */
  private rememberShard(header: string | null): void {
    if (header === null || header === this.storedShard()) return;
    this.sql.exec("insert or replace into setting (name, value) values ('shard', ?)", header);
    this.knownShard = header;
  }

  private storedShard(): string | undefined {
    return (this.knownShard ??= this.sql.exec<{ value: string }>("select value from setting where name = 'shard'").toArray()[0]?.value);
  }

  private shard(): number {
    return Number(this.storedShard() ?? "0");
  }

  private async start(shard: number): Promise<GatewayInstance> {
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
    const closePorts = async () => void (await Promise.all([bus.close(), presence.close()]));
    const sockets = new ClientSockets(this.state, parseGatewayConfig(this.env).hibernation);
    const parley = createApp({
      settings: {
        workerId,
        jwtSecret: config.jwtSecret,
        jwtTtlSeconds: config.jwtTtlSeconds,
        refreshTtlSeconds: config.refreshTtlSeconds,
        allowedOrigins: config.allowedOrigins,
        trustedProxies: config.trustedProxies,
        adminUsernames: config.adminUsernames,
        rates: config.rates,
        sockets: config.sockets,
        uploads: config.uploads,
      },
      // No disk here: S3 (or R2 through its S3 API) when S3_* is set, else uploads answer 503.
      files: config.s3 ? new S3FileStorage(config.s3) : undefined,
      store,
      bus,
      presence,
      revocations,
      clock: systemClock,
      // The async API yields between rounds; each call still costs CPU time on the Workers bill (docs/cloudflare.md).
      hasher: bcryptjsHasher(config.bcryptCost),
      logger,
      suggester,
      upgradeWebSocket: sockets.upgradeWebSocket,
      sockets: sockets.adapter,
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
    // With revocations loaded: a socket whose token was revoked while no instance was in memory is closed.
    await sockets.resumeAll(({ user, token }) => revocations.isRevoked({ jti: token?.jti, sid: token?.sid, userId: user.id, iat: token?.iat ?? 0 }));
    const resync = setInterval(() => parley.hub.resync().catch((err) => logger.warn({ err }, "resync failed")), RESYNC_MS);
    void suggester.probe();
    logger.info({ database: "hyperdrive", gateway, suggest: config.suggest.engine, resumed: parley.connections() }, "parley gateway started");
    const stop = async () => {
      sockets.retire();
      clearInterval(resync);
      await closePorts();
      await client.end({ timeout: 0 });
    };
    return { gateway, parley, sockets, closePorts, stop };
  }
}
