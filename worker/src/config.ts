import { z } from "zod";
import { LIMITS } from "@parley/protocol";
import { csvList as list, parseEnv, rateField as rate } from "@parley/common";

/** `UPLOAD_MAX_BYTES`: the largest file `POST /api/uploads` takes (shared with the Workers entry, which bounds bodies first). */
export const uploadMaxBytesField = z.coerce
  .number()
  .int()
  .min(1024)
  .max(1024 * 1024 * 1024)
  .default(LIMITS.uploadBytesDefault);

/** Every setting, read once from the environment (`process.env` or a Worker's `env`). */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("127.0.0.1"),
    DATA_DIR: z.string().default("./data"),
    DATABASE_URL: z.string().url().optional(),
    REDIS_URL: z.string().url().optional(),
    /** Some nodes of a Redis Cluster, `host:port,host:port`; when set it is used instead of REDIS_URL. */
    REDIS_CLUSTER_NODES: z
      .string()
      .regex(/^\s*[^\s,]+:\d{1,5}\s*(,\s*[^\s,]+:\d{1,5}\s*)*$/, "must be host:port,host:port")
      .optional(),
    REDIS_PREFIX: z
      .string()
      .regex(/^[\w:.-]+$/)
      .default("parley"),
    JWT_SECRET: z.string().optional(),
    /** Access-token lifetime: short, as a refresh token keeps the session (5 s allows tests of expiry). */
    JWT_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(5)
      .max(24 * 3600)
      .default(900),
    /** Refresh-token lifetime: a session unused this long ends. */
    REFRESH_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(365 * 24 * 3600)
      .default(30 * 24 * 3600),
    ALLOWED_ORIGINS: list,
    TRUSTED_PROXIES: list,
    /** Usernames made server admins at start and at registration (besides the server's first user). */
    ADMIN_USERNAMES: list,
    WORKER_ID: z
      .string()
      .regex(/^[\w.:-]{1,64}$/)
      .optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    BCRYPT_COST: z.coerce.number().int().min(10).max(15).default(10),
    /** Messages per user in any window, with bursts up to a sixth of it. */
    MESSAGE_RATE: rate(120, 60),
    LOGIN_RATE: rate(10, 60),
    /** Logins per client address across usernames, from devices not trusted for the account. */
    LOGIN_ADDRESS_RATE: rate(30, 60),
    REGISTER_RATE: rate(20, 3600),
    /** Rooms a user may create. */
    ROOM_RATE: rate(20, 3600),
    /** Searches per user (`GET /api/search`). */
    SEARCH_RATE: rate(60, 60),
    /** WebSocket frames per connection, any type. */
    FRAME_RATE: rate(1800, 60),
    PRESENCE_TTL_SECONDS: z.coerce.number().int().min(3).max(120).default(20),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
    /** Hash partitions of `messages`, fixed when the migration that partitions it runs (the first start, or `npm run migrate`); ignored after. */
    MESSAGE_PARTITIONS: z.coerce.number().int().min(16).max(64).optional(),
    /** With Redis: `on` stores a room's sends on the worker that owns the room, `off` on the worker they arrive at. */
    WRITE_ROUTING: z.enum(["on", "off"]).default("on"),
    /** A send forwarded to its room's owner and not answered by then is stored by the worker it arrived at. */
    WRITE_FORWARD_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(1500),
    /** Node's HTTP server: a request head must arrive in time, then the whole request (slowloris). */
    HEADERS_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
    KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    /** Live WebSockets per user and per client address on one worker. */
    WS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(20),
    WS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(200),
    /** Autocomplete: `auto` uses Ollama while it answers its probe, else the built-in engine. */
    SUGGEST_ENGINE: z.enum(["auto", "ollama", "builtin", "off"]).default("auto"),
    OLLAMA_HOST: z.string().min(1).default("http://127.0.0.1:11434"),
    OLLAMA_MODEL: z.string().min(1).default("llama3.1:8b"),
    OLLAMA_KEEP_ALIVE: z
      .string()
      .regex(/^-?\d+(ms|s|m|h)?$/, "must be a duration like 30m or -1")
      .default("30m"),
    SUGGEST_DEADLINE_MS: z.coerce.number().int().min(100).max(30_000).default(2000),
    /** Language-model suggestions per user (all at once, refilled over the window). */
    SUGGEST_RATE: rate(30, 60),
    SUGGEST_MAX_CONCURRENT: z.coerce.number().int().min(1).max(1000).default(4),
    SUGGEST_CONTEXT_MESSAGES: z.coerce.number().int().min(0).max(100).default(20),
    SUGGEST_CONTEXT_CHARS: z.coerce.number().int().min(0).max(20_000).default(2000),
    SUGGEST_MAX_CHARS: z.coerce.number().int().min(1).max(500).default(80),
    UPLOAD_MAX_BYTES: uploadMaxBytesField,
    /** Uploads per user. */
    UPLOAD_RATE: rate(30, 60),
    /** Set: uploaded files go to this S3-compatible bucket instead of DATA_DIR/uploads. */
    S3_BUCKET: z.string().min(1).optional(),
    /** An S3-compatible service other than AWS (MinIO, R2, s3rver): its URL. */
    S3_ENDPOINT: z.string().url().optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** `true`: `endpoint/bucket/key` URLs; the default when S3_ENDPOINT is set (what self-hosted stores need). */
    S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).optional(),
    /** Turns on `GET /metrics` for `Authorization: Bearer <METRICS_TOKEN>` (Prometheus); off (404) when unset. */
    METRICS_TOKEN: z.string().min(16).optional(),
  })
  .transform((env) => ({
    production: env.NODE_ENV === "production",
    port: env.PORT,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    redisPrefix: env.REDIS_PREFIX,
    jwtSecret: env.JWT_SECRET,
    jwtTtlSeconds: env.JWT_TTL_SECONDS,
    refreshTtlSeconds: env.REFRESH_TTL_SECONDS,
    allowedOrigins: env.ALLOWED_ORIGINS,
    trustedProxies: env.TRUSTED_PROXIES,
    adminUsernames: env.ADMIN_USERNAMES,
    workerId: env.WORKER_ID,
    logLevel: env.LOG_LEVEL,
    bcryptCost: env.BCRYPT_COST,
    rates: {
      message: env.MESSAGE_RATE,
      login: env.LOGIN_RATE,
      loginAddress: env.LOGIN_ADDRESS_RATE,
      register: env.REGISTER_RATE,
      frame: env.FRAME_RATE,
      room: env.ROOM_RATE,
      search: env.SEARCH_RATE,
    },
    presenceTtlSeconds: env.PRESENCE_TTL_SECONDS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    dbTimeoutMs: env.DB_TIMEOUT_MS,
    messagePartitions: env.MESSAGE_PARTITIONS,
    writeRouting: env.WRITE_ROUTING === "on",
    writeForwardTimeoutMs: env.WRITE_FORWARD_TIMEOUT_MS,
    http: {
      // Node refuses a head timeout longer than the request timeout.
      headersTimeoutMs: Math.min(env.HEADERS_TIMEOUT_MS, env.REQUEST_TIMEOUT_MS),
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.MAX_CONNECTIONS,
    },
    sockets: { perUser: env.WS_PER_USER, perAddress: env.WS_PER_ADDRESS },
    metricsToken: env.METRICS_TOKEN,
    uploads: { maxBytes: env.UPLOAD_MAX_BYTES, rate: env.UPLOAD_RATE },
    s3: env.S3_BUCKET
      ? {
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          accessKeyId: env.S3_ACCESS_KEY_ID,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === "true" : env.S3_ENDPOINT !== undefined,
          prefix: "uploads/",
        }
      : undefined,
    suggest: {
      engine: env.SUGGEST_ENGINE,
      ollamaHost: env.OLLAMA_HOST,
      ollamaModel: env.OLLAMA_MODEL,
      ollamaKeepAlive: env.OLLAMA_KEEP_ALIVE,
      deadlineMs: env.SUGGEST_DEADLINE_MS,
      rate: env.SUGGEST_RATE,
      maxConcurrent: env.SUGGEST_MAX_CONCURRENT,
      contextMessages: env.SUGGEST_CONTEXT_MESSAGES,
      contextChars: env.SUGGEST_CONTEXT_CHARS,
      maxChars: env.SUGGEST_MAX_CHARS,
    },
  }));

export type Config = z.output<typeof configSchema>;

/** Parses the environment or throws an error naming each bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseEnv(configSchema, env);
}

/** HS256 needs a key of at least 256 bits (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;
