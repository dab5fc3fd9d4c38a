import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { silentLogger as logger, systemClock } from "@parley/common";
import { deleteRedisKeys, testRedisPrefix, TEST_REDIS_URL } from "../../test/support/services.ts";
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from "./rate-limiter.ts";

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = testRedisPrefix();
afterAll(async () => {
  await deleteRedisKeys(prefix);
  redis.disconnect();
  admin.disconnect();
});

/**
 * Empties the server's script cache (as a Redis restart does) before every call, from another
 * connection: the limiter's connection believes its scripts loaded, sends EVALSHA, gets NOSCRIPT
 * and must send EVAL. A call that failed would fail open and the refusals below would not come.
 */
const losingScripts = (limiter: RateLimiter): RateLimiter => ({
  take: async (key, rate) => (await admin.script("FLUSH"), limiter.take(key, rate)),
  takeAll: async (takes) => (await admin.script("FLUSH"), limiter.takeAll(takes)),
});

const limiters: Array<[string, () => RateLimiter]> = [
  ["memory", () => new MemoryRateLimiter(systemClock)],
  ["redis", () => new RedisRateLimiter(redis, `${prefix}:${Math.random()}`, logger)],
  ["redis whose script cache is flushed before every call", () => losingScripts(new RedisRateLimiter(redis, `${prefix}:${Math.random()}`, logger))],
];

describe.each(limiters)("takeAll (%s)", (_name, make) => {
  const ip = { max: 12, windowSeconds: 60 }; // bursts of 2
  const user = { max: 18, windowSeconds: 60 }; // bursts of 3

  it("takes from every bucket in order and names the first that refused", async () => {
    const limiter = make();
    const both = [
      { key: "ip:a", rate: ip },
      { key: "user:u", rate: user },
    ];
    expect(await limiter.takeAll(both)).toBeUndefined();
    expect(await limiter.takeAll(both)).toBeUndefined();
    const refused = await limiter.takeAll(both);
    expect(refused).toMatchObject({ index: 0, decision: { ok: false, limit: 2, remaining: 0 } });
    expect(refused!.decision.retryAfter).toBeGreaterThanOrEqual(1);
    // The address' refusal stopped there: the user's bucket still has its third token.
    expect(
      await limiter.takeAll([
        { key: "ip:b", rate: ip },
        { key: "user:u", rate: user },
      ]),
    ).toBeUndefined();
    expect(
      await limiter.takeAll([
        { key: "ip:b", rate: ip },
        { key: "user:u", rate: user },
      ]),
    ).toMatchObject({ index: 1, decision: { ok: false, limit: 3 } });
  });

  it("grants exactly a bucket's tokens to calls made at once", async () => {
    const limiter = make();
    const results = await Promise.all(Array.from({ length: 10 }, () => limiter.takeAll([{ key: "ip:d", rate: user }])));
    expect(results.filter((r) => r === undefined)).toHaveLength(3);
    expect(results.slice(3).every((r) => r?.index === 0 && r.decision.remaining === 0)).toBe(true);
  });

  it("shares buckets with take", async () => {
    const limiter = make();
    expect((await limiter.take("ip:c", ip)).ok).toBe(true);
    expect(await limiter.takeAll([{ key: "ip:c", rate: ip }])).toBeUndefined();
    expect((await limiter.take("ip:c", ip)).ok).toBe(false);
  });
});

describe("RedisRateLimiter scripts", () => {
  it("go as EVALSHA once loaded, and as EVAL again after Redis lost them", async () => {
    const own = `${prefix}:${Math.random()}`;
    const limiter = new RedisRateLimiter(redis, own, logger);
    const rate = { max: 600, windowSeconds: 60 };
    const monitor = await new Redis(TEST_REDIS_URL).monitor();
    const seen: string[] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      const command = args[0]!.toLowerCase();
      // MONITOR also lists the commands a script runs: keep the scripts themselves.
      if (command.startsWith("eval") && args.some((a) => a.startsWith(own))) seen.push(command);
    });
    try {
      await limiter.takeAll([{ key: "k", rate }]);
      await limiter.takeAll([{ key: "k", rate }]);
      await admin.script("FLUSH");
      await limiter.takeAll([{ key: "k", rate }]);
      await limiter.take("k", rate);
      await until(() => seen.length >= 5); // MONITOR lines may arrive after the replies
      // A script's first call carries its source, later ones its SHA; after the flush EVALSHA meets
      // NOSCRIPT and EVAL follows. `take`'s script had not run yet, hence the last EVAL.
      expect(seen).toEqual(["eval", "evalsha", "evalsha", "eval", "eval"]);
      expect(await limiter.takeAll([{ key: "k", rate }])).toBeUndefined();
    } finally {
      monitor.disconnect();
    }
  });
});

describe("RedisRateLimiter batches", () => {
  it("sends the calls of one event-loop turn in one write", async () => {
    const limiter = new RedisRateLimiter(redis, `${prefix}:${Math.random()}`, logger);
    const rate = { max: 600, windowSeconds: 60 };
    await limiter.takeAll([{ key: "warm", rate }]); // the script's source goes out once
    const stream = redis.stream as unknown as { _write: () => void; _writev: () => void };
    const write = vi.spyOn(stream, "_write");
    const writev = vi.spyOn(stream, "_writev");
    try {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          limiter.takeAll([
            { key: `k${i}`, rate },
            { key: "u", rate },
          ]),
        ),
      );
      expect(results).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(write).not.toHaveBeenCalled();
      expect(writev).toHaveBeenCalledTimes(1);
    } finally {
      write.mockRestore();
      writev.mockRestore();
    }
  });
});

async function until(done: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
