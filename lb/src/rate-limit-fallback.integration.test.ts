import { createServer } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock, type Logger } from "@parley/common";
import { createRedisConnection, type RedisConnection } from "@parley/common/redis";
import { startRedisCluster, type TestRedisCluster } from "../../test/support/redis-cluster.ts";
import { deleteRedisKeys, testRedisPrefix, TEST_REDIS_URL } from "../../test/support/services.ts";
import { TcpProxy } from "../../test/support/tcp-proxy.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import { balancerFor, closeAll, listen } from "./test-fixtures.ts";

const prefix = testRedisPrefix();
const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const connections: RedisConnection[] = [];
afterEach(closeAll);
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await deleteRedisKeys(prefix);
  admin.disconnect();
});

/** A logger that keeps the rate limiter's lines. */
function recording() {
  const lines: Array<{ level: string; msg?: string }> = [];
  const logger: Logger = { ...silentLogger, warn: (_o, msg) => lines.push({ level: "warn", msg }), info: (_o, msg) => lines.push({ level: "info", msg }) };
  return { logger, lines: () => lines.filter((l) => l.msg?.startsWith("rate limiter")) };
}

function connect(target: { url?: string; clusterNodes?: string }) {
  const redis = createRedisConnection(target, "rate-fallback-test", silentLogger);
  connections.push(redis);
  return redis;
}

const twelvePerMinute = { max: 12, windowSeconds: 60 }; // bursts of 2
const take = (limiter: RedisRateLimiter, key: string) => limiter.takeAll([{ key, rate: twelvePerMinute }]);
/** How many of `n` successive takes from one bucket were granted. */
async function granted(limiter: RedisRateLimiter, key: string, n = 5) {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await take(limiter, key)) === undefined) ok++;
  return ok;
}

describe("the rate limiter without Redis", () => {
  it("still limits, in the balancer's own buckets, and says so in /readyz, /lb/status and the log (once)", async () => {
    const { logger, lines } = recording();
    const limiter = new RedisRateLimiter(connect({ url: "redis://127.0.0.1:1" }), prefix, logger, systemClock); // nothing listens on port 1
    const worker = await listen(createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}")));
    const lb = await balancerFor([worker], { LB_IP_RATE: "6/60s" }, limiter); // bursts of 1
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${lb.url}/api/me`)).status);
    expect(statuses).toEqual([200, 429, 429, 429, 429]);
    const ready = await fetch(`${lb.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, workers: 1, healthy: 1, rateLimiter: "local" });
    expect(await (await fetch(`${lb.url}/lb/status`)).json()).toEqual({ workers: 1, healthy: 1, rateLimiter: "local" });
    expect(lines()).toEqual([{ level: "warn", msg: "rate limiter: Redis unavailable, limiting in this process" }]);
  });

  it("does not wait for a Redis that accepts connections and never answers", async () => {
    const { logger, lines } = recording();
    const held: Socket[] = [];
    const hole = createNetServer((socket) => held.push(socket)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = hole.address() as AddressInfo;
      const limiter = new RedisRateLimiter(connect({ url: `redis://127.0.0.1:${port}` }), prefix, logger, systemClock);
      expect(await granted(limiter, "hanging")).toBe(2);
      expect(limiter.mode).toBe("local");
      expect(lines()).toEqual([{ level: "warn", msg: "rate limiter: Redis unavailable, limiting in this process" }]);
    } finally {
      for (const socket of held) socket.destroy();
      hole.close();
    }
  });
});

describe("the rate limiter when Redis goes away and comes back", () => {
  it("limits locally meanwhile, and shares its buckets in Redis again once it is back, logging each change once", async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    try {
      const { logger, lines } = recording();
      const own = `${prefix}:proxied`;
      const limiter = new RedisRateLimiter(connect({ url: proxy.url(TEST_REDIS_URL) }), own, logger, systemClock);
      const inRedis = async (key: string) => (await admin.keys(`${own}:{rl:${key}}:*`)).length === 1;
      expect(await granted(limiter, "before")).toBe(2);
      expect(limiter.mode).toBe("redis");
      expect(await inRedis("before")).toBe(true);

      await proxy.down();
      expect(await granted(limiter, "during")).toBe(2);
      expect(limiter.mode).toBe("local");
      expect(await inRedis("during")).toBe(false);

      await proxy.up();
      await expect.poll(() => limiter.mode, { timeout: 15_000 }).toBe("redis");
      expect(await granted(limiter, "after")).toBe(2);
      expect(await inRedis("after")).toBe(true);
      expect(lines()).toEqual([
        { level: "warn", msg: "rate limiter: Redis unavailable, limiting in this process" },
        { level: "info", msg: "rate limiter: Redis is back, limits shared again" },
      ]);
    } finally {
      await proxy.down();
    }
  });
});

describe("the rate limiter when a Redis Cluster node stops", () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(() => cluster?.stop());

  it("limits locally while the node is down, and in the Cluster again once it is back", async () => {
    const { logger, lines } = recording();
    const limiter = new RedisRateLimiter(connect({ clusterNodes: cluster.nodes }), prefix, logger, systemClock);
    const keys = Array.from({ length: 12 }, (_, i) => `ip:${i}`); // some on every shard
    for (const key of keys) expect(await take(limiter, key)).toBeUndefined();
    expect(limiter.mode).toBe("redis");

    await cluster.stopNode(1);
    for (const key of keys) await take(limiter, key);
    expect(limiter.mode).toBe("local");
    expect(await granted(limiter, "during")).toBe(2);

    await cluster.startNode(1);
    await expect.poll(() => limiter.mode, { timeout: 20_000 }).toBe("redis");
    expect(await granted(limiter, "after")).toBe(2);
    expect(lines()).toEqual([
      { level: "warn", msg: "rate limiter: Redis unavailable, limiting in this process" },
      { level: "info", msg: "rate limiter: Redis is back, limits shared again" },
    ]);
  });
});
