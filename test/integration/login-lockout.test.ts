import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

const PASSWORD = "alice's right password";
const ALICE_DEVICE = "203.0.113.7";

/**
 * Issue 13, item 1: strangers cannot lock an account. Two workers on PostgreSQL and Redis behind
 * a trusted proxy (the test, sending X-Forwarded-For): an attacker's 200 wrong passwords from 200
 * addresses spend the account's shared budget, which stops new devices, but not the owner's
 * device that signed in before; the cluster processes at most 100 of them, also after a restart.
 */
describe("account lockout by strangers, across workers", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];

  const login = async (worker: WorkerProcess, username: string, password: string, from: string, cookie?: string) => {
    const res = await fetch(`${worker.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": from, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ username, password }),
    });
    await res.arrayBuffer();
    return { status: res.status, cookie: res.headers.getSetCookie()[0]?.split(";")[0] };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: testRedisPrefix(),
      JWT_SECRET: testSecret(),
      TRUSTED_PROXIES: "127.0.0.1",
      REGISTER_RATE: "1000/60s",
    };
    for (const id of ["lock-a", "lock-b"]) workers.push(await startWorkerProcess({ ...env, WORKER_ID: id }));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await database?.drop();
    if (env) await deleteRedisKeys(env.REDIS_PREFIX!);
  });

  it("lets the owner's known device in after 200 wrong passwords from rotating addresses; new devices wait", { timeout: 120_000 }, async () => {
    const alice = uniqueName("alice");
    const registered = await fetch(`${workers[0]!.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ALICE_DEVICE },
      body: JSON.stringify({ username: alice, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    // Her device signs in once more, on the other worker: it keeps the cookie it is given.
    const signedIn = await login(workers[1]!, alice, PASSWORD, ALICE_DEVICE, registered.headers.getSetCookie()[0]?.split(";")[0]);
    expect(signedIn.status).toBe(200);
    let device = signedIn.cookie;

    const statuses: number[] = [];
    for (let i = 0; i < 200; i += 10) {
      const batch = Array.from({ length: 10 }, (_, k) => login(workers[(i + k) % 2]!, alice, "a stranger's guess", `198.51.100.${i + k}`));
      statuses.push(...(await Promise.all(batch)).map((r) => r.status));
    }
    const count = (status: number) => statuses.filter((s) => s === status).length;
    console.log(`attack on ${alice}: ${count(401)} × 401 (processed), ${count(429)} × 429 (refused) over two workers`);

    for (const worker of workers) {
      const owner = await login(worker, alice, PASSWORD, ALICE_DEVICE, device);
      console.log(`the owner's login from her device after the attack: ${owner.status}`);
      expect(owner.status).toBe(200);
      expect(owner.cookie).toMatch(/^parley_device=/);
      device = owner.cookie;
      expect((await login(worker, alice, PASSWORD, "192.0.2.55")).status).toBe(429);
    }
    // The cluster as a whole checked at most 100 of the 200 guesses (each worker alone used to allow about 20 plus refills).
    expect(count(401) + count(429)).toBe(200);
    expect(count(401)).toBeLessThanOrEqual(100);
    expect(count(401)).toBeGreaterThanOrEqual(90);

    // A restarted worker still sees the spent budget: it lives in Redis.
    await workers[0]!.stop();
    workers[0] = await startWorkerProcess({ ...env, WORKER_ID: "lock-a" });
    expect((await login(workers[0]!, alice, "a stranger's guess", "198.51.100.250")).status).toBe(429);
    expect((await login(workers[0]!, alice, PASSWORD, "192.0.2.56")).status).toBe(429);
    expect((await login(workers[0]!, alice, PASSWORD, ALICE_DEVICE, device)).status).toBe(200);
  });
});
