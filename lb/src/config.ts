import { z } from "zod";
import { LIMITS, uploadBodyLimit } from "@parley/protocol";
import { csvList as list, parseEnv, rateField as rate } from "@parley/common";
import { DEFAULT_VNODES } from "./hash-ring.ts";

/** The balancer's settings, read once from the environment. */
export const lbConfigSchema = z
  .object({
    LB_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    LB_HOST: z.string().default("127.0.0.1"),
    /** Shown in `x-served-by` on the balancer's own answers; default lb-<hostname>:<port>. */
    LB_ID: z
      .string()
      .regex(/^[\w.:-]{1,64}$/)
      .optional(),
    /** Comma-separated worker base URLs, e.g. http://127.0.0.1:8001,http://127.0.0.1:8002 */
    LB_WORKERS: list.pipe(z.array(z.string().url())),
    /** Guards POST/DELETE /lb/workers; without it the admin endpoints are off. */
    LB_ADMIN_SECRET: z.string().min(16).optional(),
    /** The workers' JWT key: the balancer verifies tokens to route by user. */
    JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 bytes"),
    /** Shared rate limits on standalone Redis; REDIS_CLUSTER_NODES (`host:port,host:port`, some of a Cluster's nodes) wins over it. */
    REDIS_URL: z.string().url().optional(),
    REDIS_CLUSTER_NODES: z
      .string()
      .regex(/^\s*[^\s,]+:\d{1,5}\s*(,\s*[^\s,]+:\d{1,5}\s*)*$/, "REDIS_CLUSTER_NODES must be host:port,host:port")
      .optional(),
    REDIS_PREFIX: z
      .string()
      .regex(/^[\w:.-]+$/)
      .default("parley"),
    LB_BOUND_C: z.coerce.number().min(1).max(10).default(1.25),
    LB_VNODES: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_VNODES),
    LB_HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
    LB_HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).default(1000),
    LB_RISE: z.coerce.number().int().min(1).default(2),
    LB_FALL: z.coerce.number().int().min(1).default(3),
    TRUSTED_PROXIES: list,
    /** HTTP requests per client address, and per user. */
    LB_IP_RATE: rate(600, 60),
    LB_USER_RATE: rate(600, 60),
    /** WebSocket upgrades per user (the token's sub), and per client address (a ceiling for many users behind one NAT). */
    LB_UPGRADE_RATE: rate(60, 60),
    LB_UPGRADE_ADDRESS_RATE: rate(1200, 60),
    LB_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    /** How long a client may take to send a request head, and a whole request (slowloris). */
    LB_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    LB_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    /** How long an idle kept-alive client connection stays open. */
    LB_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    /** Client connections in all (WebSocket tunnels included), and concurrently from one address. */
    LB_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000),
    LB_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(256),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** The workers' UPLOAD_MAX_BYTES: `POST /api/uploads` bodies up to it (and a multipart envelope) pass; every other body stops at 64 KiB. */
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(LIMITS.uploadBytesDefault),
    /** Turns on `GET /metrics` for `Authorization: Bearer <METRICS_TOKEN>`, as on the workers; off (404) when unset. */
    METRICS_TOKEN: z.string().min(16).optional(),
  })
  .transform((env) => ({
    port: env.LB_PORT,
    host: env.LB_HOST,
    id: env.LB_ID,
    workers: env.LB_WORKERS,
    adminSecret: env.LB_ADMIN_SECRET,
    jwtSecret: env.JWT_SECRET,
    redis: env.REDIS_CLUSTER_NODES || env.REDIS_URL ? { url: env.REDIS_URL, clusterNodes: env.REDIS_CLUSTER_NODES } : undefined,
    redisPrefix: env.REDIS_PREFIX,
    boundC: env.LB_BOUND_C,
    vnodes: env.LB_VNODES,
    health: { intervalMs: env.LB_HEALTH_INTERVAL_MS, timeoutMs: env.LB_HEALTH_TIMEOUT_MS, rise: env.LB_RISE, fall: env.LB_FALL },
    trustedProxies: env.TRUSTED_PROXIES,
    rates: { ip: env.LB_IP_RATE, user: env.LB_USER_RATE, upgrade: env.LB_UPGRADE_RATE, upgradeAddress: env.LB_UPGRADE_ADDRESS_RATE },
    proxyTimeoutMs: env.LB_PROXY_TIMEOUT_MS,
    server: {
      headersTimeoutMs: env.LB_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: Math.max(env.LB_REQUEST_TIMEOUT_MS, env.LB_HEADERS_TIMEOUT_MS),
      keepAliveTimeoutMs: env.LB_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.LB_MAX_CONNECTIONS,
      connectionsPerAddress: env.LB_CONNECTIONS_PER_ADDRESS,
    },
    logLevel: env.LOG_LEVEL,
    metricsToken: env.METRICS_TOKEN,
    uploadBodyBytes: uploadBodyLimit(env.UPLOAD_MAX_BYTES),
  }));

export type LbConfig = z.output<typeof lbConfigSchema>;

export function parseLbConfig(env: Record<string, string | undefined>): LbConfig {
  return parseEnv(lbConfigSchema, env);
}
