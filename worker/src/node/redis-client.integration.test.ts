import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL, uniqueName } from "../../../test/support/services.ts";
import { silentLogger, type Logger } from "@parley/common";
import { createRedis, REDIS_OPTIONS } from "./redis-client.ts";

const admin = new Redis(TEST_REDIS_URL);
afterAll(() => admin.quit());

describe("createRedis", () => {
  it("reconnects after a spread-out wait: below 200 ms doubled per attempt, never 2 s", () => {
    const waits = (times: number) => Array.from({ length: 300 }, () => REDIS_OPTIONS.retryStrategy(times));
    for (const [times, ceiling] of [
      [1, 200],
      [2, 400],
      [4, 1600],
      [5, 2000],
      [50, 2000],
    ] as const) {
      const sample = waits(times);
      expect(Math.min(...sample)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...sample)).toBeLessThan(ceiling);
      // Jitter: the waits of workers that lost Redis together differ, and use most of the range.
      expect(new Set(sample).size).toBeGreaterThan(20);
      expect(Math.max(...sample)).toBeGreaterThan(ceiling * 0.8);
    }
  });

  it("names its connection and comes back by itself when it is killed", async () => {
    const name = uniqueName("rc");
    const redis = createRedis(TEST_REDIS_URL, name, silentLogger);
    try {
      await redis.ping();
      const line = ((await admin.client("LIST")) as string).split("\n").find((l) => l.split(" ").includes(`name=parley-${name}`));
      expect(line).toBeDefined();
      const reconnected = new Promise((resolve) => redis.once("ready", resolve));
      await admin.client("KILL", "ID", /(?:^|\s)id=(\d+)/.exec(line!)![1]!);
      await reconnected;
      expect(await redis.ping()).toBe("PONG");
    } finally {
      redis.disconnect();
    }
  });

  it("logs connection errors with its name instead of leaving them unhandled", async () => {
    const warnings: Array<{ connection?: string }> = [];
    const logger: Logger = { ...silentLogger, warn: (obj) => warnings.push(obj) };
    const redis = createRedis("redis://127.0.0.1:1", "nowhere", logger); // nothing listens on port 1
    try {
      await expect(redis.ping()).rejects.toThrow();
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]!.connection).toBe("nowhere");
    } finally {
      redis.disconnect();
    }
  });
});
