import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** Polls until `check` resolves truthy. */
async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("dependency outages", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pg: TcpProxy;
  let redis: TcpProxy;
  let a: WorkerProcess;
  let prefix: string | undefined;
  let b: WorkerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    const dbUrl = new URL(database.url);
    pg = await TcpProxy.start({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    const redisUrl = new URL(TEST_REDIS_URL);
    redis = await TcpProxy.start({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    const env = {
      DATABASE_URL: pg.url(database.url),
      REDIS_URL: redis.url(TEST_REDIS_URL),
      REDIS_PREFIX: (prefix = testRedisPrefix()),
      JWT_SECRET: testSecret(),
      REGISTER_RATE: "1000/60s",
    };
    a = await startWorkerProcess({ ...env, WORKER_ID: "outage-a" });
    b = await startWorkerProcess({ ...env, WORKER_ID: "outage-b" });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([pg?.down(), redis?.down()]);
    await database?.drop();
    if (prefix) await deleteRedisKeys(prefix);
  });

  it("PostgreSQL down: no ack without a commit, a retriable error, and recovery after", async () => {
    const api = new ApiClient(a.url);
    await api.register(uniqueName());
    const room = await api.createRoom(uniqueName("pg"));
    const socket = await api.socket();
    await socket.subscribe(room.id);
    await socket.sendMessage(room.id, "before", "pg-1");

    await pg.down();
    const failed = await socket.sendMessage(room.id, "during", "pg-2").then(
      () => undefined,
      (error: { frame: { code: string; retryAfter?: number } }) => error.frame,
    );
    expect(failed).toMatchObject({ code: "unavailable" });
    expect(failed!.retryAfter).toBeGreaterThanOrEqual(1);
    const http = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "during", clientId: "pg-3" });
    expect(http.status).toBe(503);
    expect(http.json.error.code).toBe("unavailable");
    expect(Number(http.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const ready = await api.request("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json.error.message).toContain("database");

    await pg.up();
    // The client retries with the same clientId, as the protocol asks.
    const ack = await eventually(() => socket.sendMessage(room.id, "during", "pg-2"), 10_000);
    expect(ack.message.seq).toBe(2);
    expect((await api.history(room.id)).messages.map((m) => m.body)).toEqual(["before", "during"]);
    await socket.close();
  });

  it("Redis down: sends still commit, and the other worker's subscribers catch up once it is back", async () => {
    const sender = new ApiClient(a.url);
    const reader = new ApiClient(b.url);
    await sender.register(uniqueName());
    await reader.register(uniqueName());
    const room = await sender.createRoom(uniqueName("redis"));
    await reader.join(room.id);
    const out = await sender.socket();
    const inbox = await reader.socket();
    await out.subscribe(room.id);
    await inbox.subscribe(room.id);
    await out.sendMessage(room.id, "m1", "r-1");
    await inbox.waitForMessages(room.id, 1);

    await redis.down();
    for (let i = 2; i <= 6; i++) expect((await out.sendMessage(room.id, `m${i}`, `r-${i}`)).message.seq).toBe(i);
    // Long enough for ioredis to give up on the queued publishes: they are lost, as pub/sub allows.
    // (The periodic resync may already deliver them from PostgreSQL meanwhile: that is allowed too.)
    await new Promise((r) => setTimeout(r, 3000));
    await redis.up();
    // Caught up by the resync after the bus reconnects (or the periodic one), in order, once each.
    const received = await inbox.waitForMessages(room.id, 6, 15_000);
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await out.sendMessage(room.id, "m7", "r-7");
    expect((await inbox.waitForMessages(room.id, 7, 10_000)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await Promise.all([out.close(), inbox.close()]);
  });
});
