import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisCluster, type TestRedisCluster } from "../support/redis-cluster.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL } from "../support/services.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { startS3Server, type S3Server } from "../support/s3-server.ts";
import { conformanceSuite } from "./suite/index.ts";
import { CONFORMANCE_ADMIN } from "./suite/access-support.ts";
import { CONFORMANCE_UPLOAD_ENV } from "./suite/uploads.ts";

/**
 * The conformance suite through the balancer in front of two workers, all three on a 3-master Redis
 * Cluster (REDIS_CLUSTER_NODES, no REDIS_URL): bus, presence, revocations and rate limits must work
 * there as on standalone Redis. Both targets are the balancer; the ring spreads users over the workers.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let cluster: TestRedisCluster;
let prefix: string;
let shared: Record<string, string>;
const processes: WorkerProcess[] = [];
let lb: WorkerProcess;
let s3: S3Server;

beforeAll(async () => {
  [database, cluster, s3] = await Promise.all([createTestDatabase(), startRedisCluster(), startS3Server()]);
  prefix = testRedisPrefix();
  shared = {
    DATABASE_URL: database.url,
    REDIS_CLUSTER_NODES: cluster.nodes,
    REDIS_PREFIX: prefix,
    JWT_SECRET: testSecret(),
    ...CONFORMANCE_UPLOAD_ENV,
    ...s3.env,
  };
  const workers: WorkerProcess[] = [];
  // One after the other: the first applies the migrations.
  for (const id of ["rcw1", "rcw2"]) {
    workers.push(
      await startWorkerProcess({
        ...shared,
        WORKER_ID: id,
        TRUSTED_PROXIES: "127.0.0.1",
        REGISTER_RATE: "10000/60s",
        MESSAGE_RATE: "100000/60s",
        ADMIN_USERNAMES: CONFORMANCE_ADMIN,
      }),
    );
  }
  processes.push(...workers);
  lb = await startBalancerProcess(
    workers.map((w) => w.url),
    { ...shared, LB_IP_RATE: "1000000/60s", LB_USER_RATE: "1000000/60s", LB_UPGRADE_RATE: "1000000/60s" },
  );
  processes.push(lb);
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await database?.drop();
  await cluster?.stop();
  await s3?.stop();
  if (prefix) await deleteRedisKeys(prefix);
});

conformanceSuite("balancer in front of two workers on a Redis Cluster", () => ({ urls: [lb.url, lb.url] }));

describe("the balancer on a Redis Cluster", () => {
  it("kept its rate limits in the Cluster all along", async () => {
    expect(await (await fetch(`${lb.url}/readyz`)).json()).toMatchObject({ ok: true, workers: 2, healthy: 2, rateLimiter: "redis" });
  });

  it("refuses 19 of 20 requests against 6 a minute, as on standalone (the issue measured 0)", async () => {
    const strict = await startBalancerProcess(
      processes.slice(0, 2).map((w) => w.url),
      { ...shared, LB_IP_RATE: "6/60s" },
    );
    processes.push(strict);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await fetch(`${strict.url}/api/me`)).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(19);
    expect(await (await fetch(`${strict.url}/readyz`)).json()).toMatchObject({ rateLimiter: "redis" });
  });

  it("left nothing on the machine's standalone Redis: every process used the Cluster", async () => {
    const standalone = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      expect(await standalone.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      standalone.disconnect();
    }
  });
});
