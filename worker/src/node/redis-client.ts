import { Redis, type RedisOptions } from "ioredis";
import { fullJitterBackoff } from "@parley/protocol";
import type { Logger } from "@parley/common";

/** Waits between reconnects to Redis: full jitter from 200 ms, doubling, up to 2 s. */
const reconnectBackoff = fullJitterBackoff({ baseMs: 200, capMs: 2000 });

/**
 * The options every worker connection to Redis shares: a command waits through two reconnects at
 * most (then fails, and the caller degrades), and reconnects are spread with full jitter so workers
 * that lost Redis together do not all come back at the same instant.
 */
export const REDIS_OPTIONS = {
  maxRetriesPerRequest: 2,
  connectTimeout: 3000,
  // ioredis counts attempts from 1.
  retryStrategy: (times: number) => reconnectBackoff(times - 1),
} satisfies RedisOptions;

/**
 * A worker's ioredis client, named `parley-<name>` in CLIENT LIST (tests find and kill connections
 * by it), logging its connection errors instead of crashing on an unhandled "error" event.
 */
export function createRedis(url: string, name: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { ...REDIS_OPTIONS, connectionName: `parley-${name}`, ...options });
  redis.on("error", (err) => logger.warn({ err, connection: name }, "redis error"));
  return redis;
}

/** A Lua script as ioredis defines a command: its key count and source. */
export interface RedisScript {
  numberOfKeys: number;
  lua: string;
}

/**
 * Defines Lua scripts as commands on `redis` and returns it typed with them. ioredis sends EVALSHA
 * and, when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH), EVAL with the source.
 */
export function defineScripts<S extends { [K in keyof S]: (...args: never[]) => Promise<unknown> }>(
  redis: Redis,
  scripts: { [K in keyof S]: RedisScript },
): Redis & S {
  for (const [name, script] of Object.entries<RedisScript>(scripts)) redis.defineCommand(name, script);
  return redis as Redis & S;
}
