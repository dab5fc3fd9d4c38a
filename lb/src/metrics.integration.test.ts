import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger as logger, systemClock } from "@parley/common";
import { parsePrometheusText } from "../../test/support/prometheus-text.ts";
import { deleteRedisKeys, testRedisPrefix, TEST_REDIS_URL } from "../../test/support/services.ts";
import { freePort } from "../../test/support/worker-process.ts";
import { BalancerCounts, createBalancerRegistry } from "./metrics.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import { WorkerPool } from "./worker-pool.ts";

const prefix = testRedisPrefix();
const connections: Redis[] = [];
afterAll(async () => {
  await deleteRedisKeys(prefix);
  for (const redis of connections) redis.disconnect();
});
const connect = (url: string) => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on("error", () => {});
  connections.push(redis);
  return redis;
};

describe("the balancer's Redis failures", () => {
  it("counts an error reply and an unreachable Redis apart, while the limiter falls back to its local buckets", async () => {
    const counts = new BalancerCounts();
    const redis = connect(TEST_REDIS_URL);
    const rate = { max: 60, windowSeconds: 60 };
    // A bucket key holding a string: the script's HMGET gets WRONGTYPE, a real error reply.
    await redis.set(`${prefix}:{rl:ip:broken}:60/60`, "not a bucket");
    expect(await new RedisRateLimiter(redis, prefix, logger, systemClock, counts).takeAll([{ key: "ip:broken", rate }])).toBeUndefined();
    const gone = connect(`redis://127.0.0.1:${await freePort()}`);
    expect(await new RedisRateLimiter(gone, prefix, logger, systemClock, counts).takeAll([{ key: "ip:any", rate }])).toBeUndefined();
    expect(counts.redisFailures).toEqual({ error: 1, timeout: 1 });

    const pool = new WorkerPool({ intervalMs: 1000, timeoutMs: 500, rise: 1, fall: 1 }, logger);
    pool.add("http://127.0.0.1:9", true);
    counts.rateLimited.upgradeAddress += 2;
    const text = parsePrometheusText(await createBalancerRegistry(counts, pool).metrics());
    expect(text.value("parley_lb_redis_errors_total", { kind: "error" })).toBe(1);
    expect(text.value("parley_lb_redis_errors_total", { kind: "timeout" })).toBe(1);
    expect(text.value("parley_lb_rate_limited_total", { limit: "upgrade_address" })).toBe(2);
    expect(text.value("parley_lb_worker_healthy", { worker: "http://127.0.0.1:9" })).toBe(1);
    pool.remove("http://127.0.0.1:9");
    // A removed worker's series go with it.
    expect(
      parsePrometheusText(await createBalancerRegistry(counts, pool).metrics()).value("parley_lb_worker_healthy", { worker: "http://127.0.0.1:9" }),
    ).toBeUndefined();
  });
});
