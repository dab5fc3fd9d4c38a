import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { silentLogger } from "@parley/common";
import { createRedisConnection, type ConnectionOptions, type RedisConnection } from "@parley/common/redis";
import { startRedisCluster, type TestRedisCluster } from "./redis-cluster.ts";
import { TEST_REDIS_URL } from "./services.ts";

/** The two Redis deployments every Redis adapter is tested on. */
export const REDIS_KINDS = ["standalone", "cluster"] as const;
export type RedisKind = (typeof REDIS_KINDS)[number];

/** A Redis for one test file: connections through the factory, and admin access to each node. */
export interface RedisBackend {
  kind: RedisKind;
  /** What REDIS_URL / REDIS_CLUSTER_NODES a worker process gets. */
  env: Record<string, string>;
  cluster?: TestRedisCluster;
  /** A factory connection named `parley-<name>`. */
  connect(name: string, options?: ConnectionOptions): RedisConnection;
  /** Runs `use` on a plain connection to every node (one on standalone). */
  eachNode<T>(use: (node: Redis) => Promise<T>): Promise<T[]>;
  /** Kills the client connections whose name matches, on every node; returns how many. */
  killClients(match: (name: string) => boolean): Promise<number>;
  /** Deletes every key under `<prefix>:` on every node. */
  deleteKeys(prefix: string): Promise<void>;
}

/**
 * Registers beforeAll/afterAll in the calling describe: standalone is the machine's Redis, cluster a
 * 3-master Cluster started for the file. Returns a getter, valid from the first test on.
 */
export function useRedisBackend(kind: RedisKind): () => RedisBackend {
  let backend: RedisBackend | undefined;
  let cluster: TestRedisCluster | undefined;
  beforeAll(async () => {
    if (kind === "cluster") cluster = await startRedisCluster();
    backend = makeBackend(kind, cluster);
  });
  afterAll(() => cluster?.stop());
  return () => backend ?? raise(`the ${kind} Redis is not started yet`);
}

function makeBackend(kind: RedisKind, cluster?: TestRedisCluster): RedisBackend {
  const target = cluster ? { clusterNodes: cluster.nodes } : { url: TEST_REDIS_URL };
  const eachNode = async <T>(use: (node: Redis) => Promise<T>) =>
    Promise.all(
      (cluster ? cluster.ports.map((port) => `redis://127.0.0.1:${port}`) : [TEST_REDIS_URL]).map(async (url) => {
        const node = new Redis(url, { maxRetriesPerRequest: 1 });
        try {
          return await use(node);
        } finally {
          node.disconnect();
        }
      }),
    );
  return {
    kind,
    env: cluster ? { REDIS_CLUSTER_NODES: cluster.nodes } : { REDIS_URL: TEST_REDIS_URL },
    cluster,
    connect: (name, options) => createRedisConnection(target, name, silentLogger, options),
    eachNode,
    async killClients(match) {
      const killed = await eachNode(async (node) => {
        const ids = ((await node.client("LIST")) as string)
          .split("\n")
          .filter((line) => match(/(?:^|\s)name=(\S*)/.exec(line)?.[1] ?? ""))
          .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
        for (const id of ids) await node.client("KILL", "ID", id);
        return ids.length;
      });
      return killed.reduce((a, b) => a + b, 0);
    },
    async deleteKeys(prefix) {
      await eachNode(async (node) => {
        let cursor = "0";
        do {
          const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
          cursor = next;
          // One DEL per key: on a Cluster node the keys of one scan may sit in different slots.
          for (const key of keys) await node.del(key);
        } while (cursor !== "0");
      });
    },
  };
}

function raise(message: string): never {
  throw new Error(message);
}
