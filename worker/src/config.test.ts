import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.ts";

describe("parseConfig", () => {
  it("keeps files on disk by default and in S3 when S3_BUCKET is set, path-style with an endpoint", () => {
    expect(parseConfig({})).toMatchObject({ uploads: { maxBytes: 26_214_400, rate: { max: 30, windowSeconds: 60 } }, s3: undefined });
    expect(parseConfig({ S3_BUCKET: "files", S3_ENDPOINT: "http://127.0.0.1:9000", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s" }).s3).toEqual({
      bucket: "files",
      endpoint: "http://127.0.0.1:9000",
      region: "us-east-1",
      accessKeyId: "k",
      secretAccessKey: "s",
      forcePathStyle: true,
      prefix: "uploads/",
    });
    expect(parseConfig({ S3_BUCKET: "files", S3_REGION: "eu-west-1" }).s3).toMatchObject({ region: "eu-west-1", forcePathStyle: false });
    expect(parseConfig({ S3_BUCKET: "files", S3_ENDPOINT: "http://x", S3_FORCE_PATH_STYLE: "false" }).s3?.forcePathStyle).toBe(false);
    expect(() => parseConfig({ UPLOAD_MAX_BYTES: "10" })).toThrow(/UPLOAD_MAX_BYTES/);
    expect(() => parseConfig({ S3_ENDPOINT: "not a url" })).toThrow(/S3_ENDPOINT/);
  });

  it("fills in defaults from an empty environment", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 3000,
      host: "127.0.0.1",
      dataDir: "./data",
      redisPrefix: "parley",
      jwtTtlSeconds: 900,
      refreshTtlSeconds: 2592000,
      allowedOrigins: [],
      trustedProxies: [],
      logLevel: "info",
      bcryptCost: 10,
      presenceTtlSeconds: 20,
      shutdownTimeoutMs: 10_000,
      rates: {
        message: { max: 120, windowSeconds: 60 },
        login: { max: 10, windowSeconds: 60 },
        loginAddress: { max: 30, windowSeconds: 60 },
        register: { max: 20, windowSeconds: 3600 },
        frame: { max: 1800, windowSeconds: 60 },
      },
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.jwtSecret).toBeUndefined();
    expect(config.workerId).toBeUndefined();
  });

  it("reads the variables it is given", () => {
    const config = parseConfig({
      NODE_ENV: "production",
      PORT: "8080",
      DATABASE_URL: "postgres://db.internal:5432/parley",
      REDIS_URL: "redis://cache:6379",
      ALLOWED_ORIGINS: " https://a.example, https://b.example,, ",
      WORKER_ID: "w-1",
      BCRYPT_COST: "12",
    });
    expect(config).toMatchObject({
      production: true,
      port: 8080,
      databaseUrl: "postgres://db.internal:5432/parley",
      redisUrl: "redis://cache:6379",
      allowedOrigins: ["https://a.example", "https://b.example"],
      workerId: "w-1",
      bcryptCost: 12,
    });
  });

  it("takes a message partition count between 16 and 64, none by default", () => {
    expect(parseConfig({}).messagePartitions).toBeUndefined();
    expect(parseConfig({ MESSAGE_PARTITIONS: "48" }).messagePartitions).toBe(48);
    expect(() => parseConfig({ MESSAGE_PARTITIONS: "8" })).toThrow(/MESSAGE_PARTITIONS/);
    expect(() => parseConfig({ MESSAGE_PARTITIONS: "65" })).toThrow(/MESSAGE_PARTITIONS/);
  });

  it("reads Redis Cluster nodes as host:port pairs and refuses anything else", () => {
    expect(parseConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001" }).redisClusterNodes).toBe("10.0.0.1:7000, 10.0.0.2:7001");
    expect(() => parseConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2" })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it("parses rates as <max>/<seconds>s", () => {
    const { rates } = parseConfig({
      MESSAGE_RATE: "30/10s",
      LOGIN_RATE: "5/300s",
      LOGIN_ADDRESS_RATE: "50/120s",
      FRAME_RATE: "100/1s",
      ROOM_RATE: "3/60s",
      SEARCH_RATE: "6/10s",
    });
    expect(rates).toEqual({
      message: { max: 30, windowSeconds: 10 },
      login: { max: 5, windowSeconds: 300 },
      loginAddress: { max: 50, windowSeconds: 120 },
      register: { max: 20, windowSeconds: 3600 },
      frame: { max: 100, windowSeconds: 1 },
      room: { max: 3, windowSeconds: 60 },
      search: { max: 6, windowSeconds: 10 },
    });
  });

  it.each(["30 per 10s", "30/10", "/10s", "30/s", "-1/10s", "1.5/10s", "30/0s", "0/60s"])("refuses the rate %j, naming the variable", (value) => {
    expect(() => parseConfig({ MESSAGE_RATE: value })).toThrow(/MESSAGE_RATE/);
  });

  it("reads the autocomplete settings, with defaults", () => {
    expect(parseConfig({}).suggest).toEqual({
      engine: "auto",
      ollamaHost: "http://127.0.0.1:11434",
      ollamaModel: "llama3.1:8b",
      ollamaKeepAlive: "30m",
      deadlineMs: 2000,
      rate: { max: 30, windowSeconds: 60 },
      maxConcurrent: 4,
      contextMessages: 20,
      contextChars: 2000,
      maxChars: 80,
    });
    const custom = parseConfig({
      SUGGEST_ENGINE: "ollama",
      OLLAMA_HOST: "http://gpu:11434",
      OLLAMA_MODEL: "qwen2.5:3b",
      SUGGEST_RATE: "20/60s",
      SUGGEST_DEADLINE_MS: "1500",
    }).suggest;
    expect(custom).toMatchObject({
      engine: "ollama",
      ollamaHost: "http://gpu:11434",
      ollamaModel: "qwen2.5:3b",
      rate: { max: 20, windowSeconds: 60 },
      deadlineMs: 1500,
    });
    expect(() => parseConfig({ SUGGEST_ENGINE: "gpt" })).toThrow(/SUGGEST_ENGINE/);
    expect(() => parseConfig({ SUGGEST_DEADLINE_MS: "5" })).toThrow(/SUGGEST_DEADLINE_MS/);
    expect(() => parseConfig({ OLLAMA_KEEP_ALIVE: "forever" })).toThrow(/OLLAMA_KEEP_ALIVE/);
  });

  it.each(["abc", "70000", "-1", "80.5"])("refuses PORT=%j with an error that names PORT", (value) => {
    let message = "";
    try {
      parseConfig({ PORT: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: PORT: /);
    expect(message).not.toMatch(/HOST|DATABASE_URL|RATE/);
  });

  it("names every bad variable at once", () => {
    expect(() => parseConfig({ PORT: "x", REDIS_URL: "not a url", LOG_LEVEL: "loud" })).toThrow(/PORT.*REDIS_URL.*LOG_LEVEL|PORT.*LOG_LEVEL.*REDIS_URL/);
    const error = (() => {
      try {
        parseConfig({ PORT: "x", REDIS_URL: "not a url", LOG_LEVEL: "loud" });
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    for (const name of ["PORT", "REDIS_URL", "LOG_LEVEL"]) expect(error).toContain(`${name}:`);
  });

  it("bounds connections: timeouts, the connection cap and WebSockets per user and address", () => {
    expect(parseConfig({})).toMatchObject({
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000, maxConnections: 10_000 },
      sockets: { perUser: 20, perAddress: 200 },
    });
    // Node refuses a head timeout longer than the request timeout: it is cut to it.
    expect(parseConfig({ HEADERS_TIMEOUT_MS: "20000", REQUEST_TIMEOUT_MS: "5000" }).http).toMatchObject({ headersTimeoutMs: 5000, requestTimeoutMs: 5000 });
    expect(() => parseConfig({ WS_PER_USER: "0" })).toThrow(/WS_PER_USER/);
  });
});
