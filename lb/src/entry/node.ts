import { hostname } from "node:os";
import { pino } from "pino";
import { systemClock } from "@parley/common";
import { createRedisConnection } from "@parley/common/redis";
import { createBalancer } from "../balancer.ts";
import { BalancerCounts } from "../metrics.ts";
import { parseLbConfig } from "../config.ts";
import { MemoryRateLimiter } from "../rate-limiter.ts";
import { RedisRateLimiter } from "../redis-rate-limiter.ts";
import { createBalancerServer } from "../server.ts";
import { WorkerPool } from "../worker-pool.ts";

/** `tsx lb/src/entry/node.ts`: the balancer, configured from the environment. */
let config;
try {
  config = parseLbConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const logger = pino({ level: config.logLevel, base: { service: "lb" } });
const pool = new WorkerPool(config.health, logger, config.vnodes);
for (const url of config.workers) pool.add(url);
// One connection, standalone or Cluster, built once here and given to what needs it.
const redis = config.redis ? createRedisConnection(config.redis, "lb", logger) : undefined;
const counts = new BalancerCounts();
const limiter = redis ? new RedisRateLimiter(redis, config.redisPrefix, logger, systemClock, counts) : new MemoryRateLimiter(systemClock);
const balancer = createBalancer({ config, id: config.id ?? `lb-${hostname()}:${config.port}`, pool, limiter, clock: systemClock, logger, counts });

await pool.checkAll();
pool.start();
const server = createBalancerServer(balancer, config);
await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
logger.info(
  {
    port: config.port,
    workers: config.workers,
    rateLimiter: limiter.mode,
    redis: config.redis?.clusterNodes ? "cluster" : config.redis ? "standalone" : "none",
  },
  "parley balancer listening",
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    pool.stop();
    server.close();
    balancer.closeAll();
    server.closeIdleConnections();
    redis?.disconnect();
    setTimeout(() => process.exit(0), 200).unref();
  });
}
