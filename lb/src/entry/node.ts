import { hostname } from "node:os";
import { Redis } from "ioredis";
import { pino } from "pino";
import { fullJitterBackoff } from "@parley/protocol";
import { systemClock } from "@parley/common";
import { createBalancer } from "../balancer.ts";
import { BalancerCounts } from "../metrics.ts";
import { parseLbConfig } from "../config.ts";
import { MemoryRateLimiter, RedisRateLimiter } from "../rate-limiter.ts";
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
// Reconnects spread with full jitter (ioredis counts attempts from 1): balancers that lost Redis together do not return in step.
const reconnectBackoff = fullJitterBackoff({ baseMs: 200, capMs: 2000 });
const redis = config.redisUrl
  ? new Redis(config.redisUrl, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      connectionName: "parley-lb",
      retryStrategy: (times) => reconnectBackoff(times - 1),
    })
  : undefined;
redis?.on("error", (err) => logger.warn({ err, connection: "lb" }, "redis error"));
const counts = new BalancerCounts();
const limiter = redis ? new RedisRateLimiter(redis, config.redisPrefix, logger, counts) : new MemoryRateLimiter(systemClock);
const balancer = createBalancer({ config, id: config.id ?? `lb-${hostname()}:${config.port}`, pool, limiter, clock: systemClock, logger, counts });

await pool.checkAll();
pool.start();
const server = createBalancerServer(balancer, config);
await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
logger.info({ port: config.port, workers: config.workers, rateLimits: redis ? "redis" : "memory" }, "parley balancer listening");

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
