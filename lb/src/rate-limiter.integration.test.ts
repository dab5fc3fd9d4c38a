import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger as logger, systemClock } from "@parley/common";
import { deleteRedisKeys, testRedisPrefix, TEST_REDIS_URL } from "../../test/support/services.ts";
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from "./rate-limiter.ts";

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = testRedisPrefix();
afterAll(async () => {
  await deleteRedisKeys(prefix);
  redis.disconnect();
});

const limiters: Array<[string, () => RateLimiter]> = [
  ["memory", () => new MemoryRateLimiter(systemClock)],
  ["redis", () => new RedisRateLimiter(redis, `${prefix}:${Math.random()}`, logger)],
  // A Redis that lost its script cache (restart): EVALSHA answers NOSCRIPT, EVAL loads it again.
  ["redis without the script", () => new RedisRateLimiter(Object.assign(Object.create(redis), { evalsha: () => Promise.reject(new Error("NOSCRIPT No matching script")) }), `${prefix}:${Math.random()}`, logger)],
];

describe.each(limiters)("takeAll (%s)", (_name, make) => {
  const ip = { max: 12, windowSeconds: 60 }; // bursts of 2
  const user = { max: 18, windowSeconds: 60 }; // bursts of 3

  it("takes from every bucket in order and names the first that refused", async () => {
    const limiter = make();
    const both = [{ key: "ip:a", rate: ip }, { key: "user:u", rate: user }];
    expect(await limiter.takeAll(both)).toBeUndefined();
    expect(await limiter.takeAll(both)).toBeUndefined();
    const refused = await limiter.takeAll(both);
    expect(refused).toMatchObject({ index: 0, decision: { ok: false, limit: 2, remaining: 0 } });
    expect(refused!.decision.retryAfter).toBeGreaterThanOrEqual(1);
    // The address' refusal stopped there: the user's bucket still has its third token.
    expect(await limiter.takeAll([{ key: "ip:b", rate: ip }, { key: "user:u", rate: user }])).toBeUndefined();
    expect(await limiter.takeAll([{ key: "ip:b", rate: ip }, { key: "user:u", rate: user }])).toMatchObject({ index: 1, decision: { ok: false, limit: 3 } });
  });

  it("shares buckets with take", async () => {
    const limiter = make();
    expect((await limiter.take("ip:c", ip)).ok).toBe(true);
    expect(await limiter.takeAll([{ key: "ip:c", rate: ip }])).toBeUndefined();
    expect((await limiter.take("ip:c", ip)).ok).toBe(false);
  });
});
