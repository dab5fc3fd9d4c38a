import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL, uniqueName } from "../../test/support/services.ts";
import { startRedisCluster, type TestRedisCluster } from "../../test/support/redis-cluster.ts";
import { silentLogger, type Logger } from "./logger.ts";
import { createRedisConnection, isCluster, parseClusterNodes, REDIS_OPTIONS } from "./redis.ts";

const admin = new Redis(TEST_REDIS_URL);
let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  admin.disconnect();
  await cluster?.stop();
});

/** The CLIENT LIST line of the connection named `parley-<name>` on the Redis at `redis`. */
async function clientLine(redis: Redis, name: string) {
  return ((await redis.client("LIST")) as string).split("\n").find((l) => l.split(" ").includes(`name=parley-${name}`));
}

describe("createRedisConnection on standalone Redis", () => {
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
    const redis = createRedisConnection({ url: TEST_REDIS_URL }, name, silentLogger);
    try {
      expect(isCluster(redis)).toBe(false);
      await redis.ping();
      const line = await clientLine(admin, name);
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
    const redis = createRedisConnection({ url: "redis://127.0.0.1:1" }, "nowhere", logger); // nothing listens on port 1
    try {
      await expect(redis.ping()).rejects.toThrow();
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]!.connection).toBe("nowhere");
    } finally {
      redis.disconnect();
    }
  });

  it("needs a URL or Cluster nodes", () => {
    expect(() => createRedisConnection({}, "none", silentLogger)).toThrow(/URL or Cluster nodes/);
  });
});

describe("createRedisConnection on a Redis Cluster", () => {
  it("reads REDIS_CLUSTER_NODES as host:port pairs, and refuses anything else", () => {
    expect(parseClusterNodes("127.0.0.1:7000, redis-b:7001,[::1]:7002")).toEqual([
      { host: "127.0.0.1", port: 7000 },
      { host: "redis-b", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
    expect(() => parseClusterNodes("127.0.0.1:7000,redis-b")).toThrow(/"redis-b" is not host:port/);
  });

  it("prefers the Cluster nodes to a URL, and reaches keys on every shard under its name", async () => {
    const name = uniqueName("rcc");
    const redis = createRedisConnection({ url: TEST_REDIS_URL, clusterNodes: cluster.nodes }, name, silentLogger);
    try {
      expect(isCluster(redis)).toBe(true);
      const keys = Array.from({ length: 30 }, (_, i) => `${name}:${i}`);
      for (const key of keys) await redis.set(key, key);
      for (const key of keys) expect(await redis.get(key)).toBe(key);
      const perNode = await Promise.all(cluster.ports.map((port) => countOn(port, `${name}:*`)));
      // The keys spread over all three masters: this is a cluster, not one node.
      expect(perNode.every((n) => n > 0)).toBe(true);
      expect(perNode.reduce((a, b) => a + b)).toBe(keys.length);
      const named = await Promise.all(cluster.ports.map((port) => onNode(port, (node) => clientLine(node, name))));
      expect(named.filter(Boolean).length).toBe(3);
    } finally {
      redis.disconnect();
    }
  });

  it("delivers sharded pub/sub: SSUBSCRIBE on one connection, SPUBLISH on another", async () => {
    const sub = createRedisConnection({ clusterNodes: cluster.nodes }, uniqueName("ssub"), silentLogger) as Cluster;
    const pub = createRedisConnection({ clusterNodes: cluster.nodes }, uniqueName("spub"), silentLogger) as Cluster;
    try {
      const channels = ["{r:a}:bus", "{r:b}:bus", "{r:c}:bus", "{r:d}:bus"];
      const received: string[] = [];
      sub.on("smessage", (channel: string, text: string) => received.push(`${channel}=${text}`));
      for (const channel of channels) await sub.ssubscribe(channel);
      for (const channel of channels) await pub.spublish(channel, "hi");
      await expect.poll(() => received.sort()).toEqual(channels.map((c) => `${c}=hi`));
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  it("logs errors with its name when no node answers", async () => {
    const warnings: Array<{ connection?: string }> = [];
    const logger: Logger = { ...silentLogger, warn: (obj) => warnings.push(obj) };
    const redis = createRedisConnection({ clusterNodes: "127.0.0.1:1" }, "nowhere", logger, { enableOfflineQueue: false });
    try {
      await expect(redis.ping()).rejects.toThrow();
      await expect.poll(() => warnings.length).toBeGreaterThan(0);
      expect(warnings[0]!.connection).toBe("nowhere");
    } finally {
      redis.disconnect();
    }
  });
});

async function onNode<T>(port: number, use: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis(port, "127.0.0.1");
  try {
    return await use(node);
  } finally {
    node.disconnect();
  }
}

/** How many keys matching `pattern` the node on `port` holds itself. */
function countOn(port: number, pattern: string) {
  return onNode(port, async (node) => {
    let [cursor, count] = ["0", 0];
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      [cursor, count] = [next, count + keys.length];
    } while (cursor !== "0");
    return count;
  });
}
