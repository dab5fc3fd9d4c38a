import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { fullJitterBackoff } from "@parley/protocol";
import type { Logger } from "./logger.ts";

/**
 * `@parley/common/redis`, Node only (the workerd bundle imports the main export, which stays free of
 * ioredis): the one way the worker, the balancer and the scripts connect to Redis, standalone or Cluster.
 */

/** A connection to standalone Redis or to a Redis Cluster; both speak the same commands. */
export type RedisConnection = Redis | Cluster;

/** Where Redis is: `clusterNodes` (`host:port,host:port`, some of the Cluster's nodes) wins over `url`. */
export interface RedisTarget {
  url?: string;
  clusterNodes?: string;
}

/** Waits between reconnects to Redis: full jitter from 200 ms, doubling, up to 2 s. */
const reconnectBackoff = fullJitterBackoff({ baseMs: 200, capMs: 2000 });

/**
 * The options every connection to Redis shares: a command waits through two reconnects at most (then
 * fails, and the caller degrades), and reconnects are spread with full jitter so processes that lost
 * Redis together do not all come back at the same instant.
 */
export const REDIS_OPTIONS = {
  maxRetriesPerRequest: 2,
  connectTimeout: 3000,
  // ioredis counts attempts from 1.
  retryStrategy: (times: number) => reconnectBackoff(times - 1),
} satisfies RedisOptions;

/** Options a caller may add; on a Cluster they apply to each node's connection. */
export type ConnectionOptions = Pick<RedisOptions, "lazyConnect" | "maxRetriesPerRequest" | "enableOfflineQueue" | "connectTimeout">;

/** `host:port,host:port` → ioredis cluster nodes; throws on an entry that is not `host:port`. */
export function parseClusterNodes(nodes: string): Array<{ host: string; port: number }> {
  return nodes
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(.+):(\d{1,5})$/.exec(entry);
      if (!match) throw new Error(`Redis Cluster node "${entry}" is not host:port`);
      return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port: Number(match[2]) };
    });
}

/**
 * A connection named `parley-<name>` in CLIENT LIST (tests find and kill connections by it), logging
 * its errors instead of crashing on an unhandled "error" event. On a Cluster, sharded pub/sub is on
 * (one subscriber connection per master, so SSUBSCRIBE reaches the shard that owns the channel), and
 * the whole cluster reconnects with the same jittered backoff as a standalone connection.
 */
export function createRedisConnection(target: RedisTarget, name: string, logger: Logger, options: ConnectionOptions = {}): RedisConnection {
  const connectionName = `parley-${name}`;
  if (target.clusterNodes) {
    const { lazyConnect, enableOfflineQueue, ...nodeOptions } = options;
    const clusterOptions: ClusterOptions = {
      shardedSubscribers: true,
      lazyConnect,
      enableOfflineQueue,
      clusterRetryStrategy: REDIS_OPTIONS.retryStrategy,
      redisOptions: { maxRetriesPerRequest: REDIS_OPTIONS.maxRetriesPerRequest, connectTimeout: REDIS_OPTIONS.connectTimeout, connectionName, ...nodeOptions },
    };
    const cluster = new Cluster(parseClusterNodes(target.clusterNodes), clusterOptions);
    cluster.on("error", (err) => logger.warn({ err, connection: name }, "redis error"));
    cluster.on("node error", (err, node) => logger.warn({ err, connection: name, node }, "redis node error"));
    return cluster;
  }
  if (!target.url) throw new Error("Redis needs a URL or Cluster nodes");
  const redis = new Redis(target.url, { ...REDIS_OPTIONS, connectionName, ...options });
  redis.on("error", (err) => logger.warn({ err, connection: name }, "redis error"));
  return redis;
}

/** Whether `redis` is a Cluster connection: the bus publishes with SPUBLISH there, PUBLISH otherwise. */
export function isCluster(redis: RedisConnection): redis is Cluster {
  return redis instanceof Cluster;
}

/** A Lua script as ioredis defines a command: its key count and source. */
export interface RedisScript {
  numberOfKeys: number;
  lua: string;
}

/**
 * Defines Lua scripts as commands on `redis` and returns it typed with them. ioredis sends EVALSHA
 * and, when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH), EVAL with the source; on a
 * Cluster it sends each call to the node owning its keys, so a script's keys must share one slot.
 */
export function defineScripts<S extends { [K in keyof S]: (...args: never[]) => Promise<unknown> }, R extends RedisConnection = RedisConnection>(
  redis: R,
  scripts: { [K in keyof S]: RedisScript },
): R & S {
  for (const [name, script] of Object.entries<RedisScript>(scripts)) redis.defineCommand(name, script);
  return redis as R & S;
}
