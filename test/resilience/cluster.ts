import postgres from "postgres";
import type { RoomEvent } from "@parley/protocol";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL } from "../support/services.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { freePort, startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** A row of the messages table, as the checker reads it. */
export interface StoredMessage {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  clientId: string | null;
  body: string;
  edited: boolean;
  deleted: boolean;
}

/** A row of room_events: an edit, deletion or reaction at its room's seq. */
export interface StoredEvent {
  roomId: string;
  seq: number;
  kind: RoomEvent["kind"];
  messageId: string;
  userId: string;
  emoji: string | null;
  /** An edit's new body and the one it replaced; null once the message is deleted. */
  body: string | null;
  previousBody: string | null;
}

/** A row of reactions: one user's reaction with one emoji to one message. */
export interface StoredReaction {
  roomId: string;
  messageId: string;
  emoji: string;
  userId: string;
}

/** The tables the checker compares the clients' logs with. */
export interface StoredState {
  messages: StoredMessage[];
  events: StoredEvent[];
  reactions: StoredReaction[];
}

export interface ClusterOptions {
  workers?: number;
  /** Extra environment for every worker (rate limits, presence TTL…). */
  workerEnv?: Record<string, string>;
  balancerEnv?: Record<string, string>;
}

/**
 * Real processes on loopback: N workers and the balancer, on a fresh database and Redis prefix.
 * PostgreSQL and Redis are reached through TcpProxy, so a scenario can "stop" them with `down()`
 * without touching the machine's shared servers.
 */
export class Cluster {
  readonly workers: Array<WorkerProcess | undefined> = [];
  lb!: WorkerProcess;
  private sql?: postgres.Sql;

  private constructor(
    readonly databaseUrl: string,
    private readonly dropDatabase: () => Promise<void>,
    readonly pg: TcpProxy,
    readonly redis: TcpProxy,
    readonly prefix: string,
    readonly secret: string,
    private readonly ports: number[],
    private readonly options: ClusterOptions,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const database = await createTestDatabase();
    const dbUrl = new URL(database.url);
    const redisUrl = new URL(TEST_REDIS_URL);
    const pg = await TcpProxy.start({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    const redis = await TcpProxy.start({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    const ports: number[] = [];
    for (let i = 0; i < (options.workers ?? 3); i++) ports.push(await freePort());
    const cluster = new Cluster(database.url, database.drop, pg, redis, testRedisPrefix(), testSecret(), ports, options);
    try {
      // Migrations take an advisory lock: the workers may start together.
      await Promise.all(ports.map((_, i) => cluster.startWorker(i)));
      cluster.lb = await startBalancerProcess(
        ports.map((p) => `http://127.0.0.1:${p}`),
        {
          REDIS_URL: redis.url(TEST_REDIS_URL),
          REDIS_PREFIX: cluster.prefix,
          JWT_SECRET: cluster.secret,
          LB_HEALTH_INTERVAL_MS: "500",
          LB_RISE: "2",
          LB_FALL: "3",
          LB_IP_RATE: "1000000/60s",
          LB_USER_RATE: "1000000/60s",
          LB_UPGRADE_RATE: "1000000/60s",
          // Every chaos client comes from 127.0.0.1: per-address ceilings would measure themselves, not the faults.
          LB_UPGRADE_ADDRESS_RATE: "1000000/60s",
          LB_CONNECTIONS_PER_ADDRESS: "100000",
          ...options.balancerEnv,
        },
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Worker `index`'s base URL (stable across restarts). */
  workerUrl(index: number) {
    return `http://127.0.0.1:${this.ports[index]}`;
  }

  workerId(index: number) {
    return `rw${index + 1}`;
  }

  /** Starts (or restarts) worker `index` on its port. */
  async startWorker(index: number): Promise<WorkerProcess> {
    const worker = await startWorkerProcess({
      PORT: String(this.ports[index]),
      WORKER_ID: this.workerId(index),
      DATABASE_URL: this.pg.url(this.databaseUrl),
      REDIS_URL: this.redis.url(TEST_REDIS_URL),
      REDIS_PREFIX: this.prefix,
      JWT_SECRET: this.secret,
      TRUSTED_PROXIES: "127.0.0.1",
      WS_PER_ADDRESS: "100000",
      REGISTER_RATE: "100000/60s",
      MESSAGE_RATE: "1000000/60s",
      ROOM_RATE: "100000/60s",
      PRESENCE_TTL_SECONDS: "6",
      SUGGEST_ENGINE: "builtin",
      ...this.options.workerEnv,
    });
    this.workers[index] = worker;
    return worker;
  }

  /** Everything the processes printed, for diagnosing a failed check. */
  output(): string {
    return [...this.workers.map((w, i) => `--- ${this.workerId(i)}\n${w?.output() ?? ""}`), `--- lb\n${this.lb?.output() ?? ""}`].join("\n");
  }

  /** True when every started process is still running. */
  alive(): boolean {
    return [...this.workers, this.lb].every((p) => !p || p.child.exitCode === null);
  }

  /** Reads the messages, room_events and reactions tables directly (not through the proxy). */
  async storedState(): Promise<StoredState> {
    const sql = (this.sql ??= postgres(this.databaseUrl, { max: 2, onnotice: () => {} }));
    type MessageRow = { id: string; room_id: string; seq: string; user_id: string; client_id: string | null; body: string; edited: boolean; deleted: boolean };
    type EventRow = {
      room_id: string;
      seq: string;
      kind: RoomEvent["kind"];
      message_id: string;
      user_id: string;
      emoji: string | null;
      body: string | null;
      previous_body: string | null;
    };
    const [messages, events, reactions] = await Promise.all([
      sql<MessageRow[]>`select id, room_id, seq, user_id, client_id, body, edited_at is not null as edited, deleted_at is not null as deleted
        from messages order by room_id, seq`,
      sql<EventRow[]>`select room_id, seq, kind, message_id, user_id, emoji, body, previous_body from room_events order by room_id, seq`,
      sql<Array<{ room_id: string; message_id: string; emoji: string; user_id: string }>>`select room_id, message_id, emoji, user_id from reactions`,
    ]);
    return {
      messages: messages.map((r) => ({
        id: r.id,
        roomId: r.room_id,
        seq: Number(r.seq),
        userId: r.user_id,
        clientId: r.client_id,
        body: r.body,
        edited: r.edited,
        deleted: r.deleted,
      })),
      events: events.map((r) => ({
        roomId: r.room_id,
        seq: Number(r.seq),
        kind: r.kind,
        messageId: r.message_id,
        userId: r.user_id,
        emoji: r.emoji,
        body: r.body,
        previousBody: r.previous_body,
      })),
      reactions: reactions.map((r) => ({ roomId: r.room_id, messageId: r.message_id, emoji: r.emoji, userId: r.user_id })),
    };
  }

  /** The newest seq of each room: of its messages and its other events. */
  async lastSeqs(): Promise<Map<string, number>> {
    this.sql ??= postgres(this.databaseUrl, { max: 2, onnotice: () => {} });
    const rows = await this.sql<Array<{ id: string; last: string | null }>>`
      select room_id as id, max(seq) as last from (select room_id, seq from messages union all select room_id, seq from room_events) s group by room_id`;
    return new Map(rows.map((r) => [r.id, Number(r.last ?? 0)]));
  }

  private cut = { pg: false, redis: false };

  /** "Stops" PostgreSQL or Redis for every process: connections drop, new ones are refused. */
  async down(service: "pg" | "redis"): Promise<void> {
    if (this.cut[service]) return;
    this.cut[service] = true;
    await this[service].down();
  }

  /** Brings a stopped service back. */
  async up(service: "pg" | "redis"): Promise<void> {
    if (!this.cut[service]) return;
    this.cut[service] = false;
    await this[service].up();
  }

  async stop(): Promise<void> {
    await Promise.all([this.lb?.stop(), ...this.workers.map((w) => w?.kill())]);
    await this.sql?.end({ timeout: 2 }).catch(() => {});
    await Promise.all([this.down("pg"), this.down("redis")]);
    await this.dropDatabase().catch(() => {});
    await deleteRedisKeys(this.prefix).catch(() => {});
  }
}
