import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL } from "../support/services.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { conformanceSuite } from "./suite/index.ts";
import { CONFORMANCE_ADMIN } from "./suite/access-support.ts";
import { CONFORMANCE_UPLOAD_ENV } from "./suite/uploads.ts";

/**
 * The conformance suite through the balancer in front of three workers on PostgreSQL and Redis:
 * the balancer must add no failure to what a worker answers. Both "targets" are the balancer, so
 * the suite's cross-target cases put users on whichever workers the ring picks.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let prefix: string;
const processes: WorkerProcess[] = [];
let lb: WorkerProcess;
let dataDir: string | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = testRedisPrefix();
  // One DATA_DIR for the three workers (a shared volume): files uploaded through one are read through any.
  dataDir = mkdtempSync(join(tmpdir(), "parley-lb-"));
  const shared = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, JWT_SECRET: testSecret(), ...CONFORMANCE_UPLOAD_ENV };
  const workers: WorkerProcess[] = [];
  for (let i = 1; i <= 3; i++) {
    workers.push(
      await startWorkerProcess({
        ...shared,
        DATA_DIR: dataDir,
        WORKER_ID: `lbw${i}`,
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
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (prefix) await deleteRedisKeys(prefix);
});

conformanceSuite("balancer in front of three workers", () => ({ urls: [lb.url, lb.url] }));
