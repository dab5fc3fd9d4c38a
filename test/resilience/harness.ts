import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { makeChange } from "./change-picker.ts";
import { ChaosClient } from "./chaos-client.ts";
import type { ClientLog } from "./client-log.ts";
import { Cluster, type ClusterOptions } from "./cluster.ts";

export { Cluster, ChaosClient, type ClientLog, type ClusterOptions };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true; false if the time ran out. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}

export interface LoadOptions {
  users: number;
  rooms: number;
  /** Rooms each user joins and subscribes to. */
  roomsPerUser: number;
  /** New messages per second per user. */
  ratePerUser: number;
  /** The share of those ticks that also edit, delete or react (default 0.3). */
  changeShare?: number;
  /** New messages wait while this many are unacked (a user does not type on forever into a dead app). */
  maxUnacked?: number;
}

/** Retries a setup call that failed with a retriable answer (503, 429), as a client should. */
export async function retrying<T>(call: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (error) {
      if (i >= attempts || !/: (503|429) /.test((error as Error).message)) throw error;
      await sleep(500 * i);
    }
  }
}

/** A signed-in user of the cluster, reached through the balancer. */
export interface TestUser {
  api: ApiClient;
  id: string;
  username: string;
}

/** Registers a user through the balancer. */
export async function newUser(cluster: Cluster, base = "c"): Promise<TestUser> {
  const api = new ApiClient(cluster.lb.url);
  const user = await retrying(() => api.register(uniqueName(base)));
  return { api, id: user.id, username: user.username };
}

/** Opens a ChaosClient for a user, connected and subscribed to `rooms`. */
export async function chaosClient(cluster: Cluster, user: TestUser, rooms: string[], ackTimeoutMs?: number): Promise<ChaosClient> {
  const client = new ChaosClient({ url: cluster.lb.url, token: user.api.token!, user, rooms, ackTimeoutMs });
  client.connect();
  if (!(await waitFor(() => client.idle, 20_000))) throw new Error(`client ${user.username} did not connect and subscribe`);
  return client;
}

/**
 * The chaos driver: users in shared rooms, each with a WebSocket through the balancer, sending at a
 * steady rate with unique clientIds. Every client logs its sends, acks and receipts for the checker.
 */
export class ChaosLoad {
  readonly clients: ChaosClient[] = [];
  readonly roomIds: string[] = [];
  private tickers: NodeJS.Timeout[] = [];

  constructor(
    readonly cluster: Cluster,
    readonly options: LoadOptions,
  ) {}

  /** Creates the users and rooms and connects every client. */
  async setup(): Promise<void> {
    const { users: count, rooms, roomsPerUser } = this.options;
    const users = await Promise.all(Array.from({ length: count }, () => newUser(this.cluster)));
    for (let r = 0; r < rooms; r++) this.roomIds.push((await retrying(() => users[0]!.api.createRoom(uniqueName("chaos")))).id);
    const roomsOf = users.map((_, u) => Array.from({ length: Math.min(roomsPerUser, rooms) }, (_, k) => this.roomIds[(u + k) % rooms]!));
    await Promise.all(users.map(async (user, u) => Promise.all(roomsOf[u]!.map((roomId) => retrying(() => user.api.join(roomId))))));
    this.clients.push(...(await Promise.all(users.map((user, u) => chaosClient(this.cluster, user, roomsOf[u]!)))));
  }

  /**
   * Starts sending: each client every 1/rate s (jittered), into one of its rooms; some of those ticks
   * also edit, delete or react there (see makeChange).
   */
  start(): void {
    const { ratePerUser, roomsPerUser, rooms, changeShare = 0.3 } = this.options;
    const maxUnacked = this.options.maxUnacked ?? 5;
    const interval = 1000 / ratePerUser;
    this.clients.forEach((client, u) => {
      const tick = () => {
        const roomId = this.roomIds[(u + Math.floor(Math.random() * Math.min(roomsPerUser, rooms))) % rooms]!;
        if (client.unacked < maxUnacked) {
          client.send(roomId);
          if (Math.random() < changeShare) makeChange(client, roomId);
        }
        this.tickers[u] = setTimeout(tick, interval * (0.5 + Math.random()));
      };
      this.tickers[u] = setTimeout(tick, Math.random() * interval);
    });
  }

  stopSending(): void {
    for (const t of this.tickers) clearTimeout(t);
    this.tickers = [];
  }

  /**
   * Waits until every client has its messages and changes answered and has seen the newest seq of each of its rooms.
   * Returns false on timeout (the checker then says what is missing).
   */
  async settle(timeoutMs: number, clients: ChaosClient[] = this.clients): Promise<boolean> {
    return waitFor(
      async () => {
        if (!clients.every((c) => c.idle)) return false;
        const last = await this.cluster.lastSeqs();
        return clients.every((c) => c.rooms.every((roomId) => (c.seen(roomId) ?? 0) >= (last.get(roomId) ?? 0)));
      },
      timeoutMs,
      250,
    );
  }

  /** Every client reconnects and resubscribes with afterSeq, then everything settles again. */
  async finalResume(timeoutMs: number, clients: ChaosClient[] = this.clients): Promise<boolean> {
    for (const client of clients) client.reconnectNow();
    await sleep(200);
    return this.settle(timeoutMs, clients);
  }

  logs(): ClientLog[] {
    return this.clients.map((c) => c.log);
  }

  stop(): void {
    this.stopSending();
    for (const client of this.clients) client.stop();
  }
}
