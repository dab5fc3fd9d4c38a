import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisCluster, type TestRedisCluster } from "../support/redis-cluster.ts";

let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(() => cluster?.stop());

/** One command on the node at `port` by itself (not through a Cluster client). */
async function onNode(port: number, ...command: [string, ...string[]]): Promise<unknown> {
  const node = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  node.on("error", () => {});
  try {
    await node.connect();
    return await node.call(...command);
  } finally {
    node.disconnect();
  }
}

describe("the test Redis Cluster", () => {
  it("is three masters on loopback sharing all 16384 slots", async () => {
    expect(cluster.nodes).toBe(cluster.ports.map((p) => `127.0.0.1:${p}`).join(","));
    const shards = (await onNode(cluster.ports[0]!, "CLUSTER", "SHARDS")) as unknown[];
    expect(shards).toHaveLength(3);
    const slots = (await onNode(cluster.ports[0]!, "CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
    expect(slots.reduce((n, [from, to]) => n + to - from + 1, 0)).toBe(16384);
    expect(new Set(slots.map(([, , [, port]]) => port))).toEqual(new Set(cluster.ports));
  });

  it("stops a node (its port refuses) and starts it again with its slots", async () => {
    const port = cluster.ports[1]!;
    await cluster.stopNode(1);
    await expect(onNode(port, "PING")).rejects.toThrow();
    await cluster.startNode(1);
    expect(await onNode(port, "PING")).toBe("PONG");
    const info = (await onNode(cluster.ports[0]!, "CLUSTER", "INFO")) as string;
    expect(info).toMatch(/cluster_state:ok/);
    const slots = (await onNode(port, "CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
    expect(slots.some(([, , [, owner]]) => owner === port)).toBe(true);
  });

  it("shuts every node down and removes its data on stop", async () => {
    const other = await startRedisCluster();
    await other.stop();
    for (const port of other.ports) await expect(onNode(port, "PING")).rejects.toThrow();
    expect(existsSync(other.dir)).toBe(false);
  });
});
