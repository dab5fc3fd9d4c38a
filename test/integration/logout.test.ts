import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** RELIABILITY row 14: signing out revokes the token on every worker and closes its sockets there. */
describe("sign-out across workers", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = testRedisPrefix();
    const env = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, JWT_SECRET: testSecret(), REGISTER_RATE: "1000/60s" };
    for (const id of ["out-a", "out-b", "out-c"]) workers.push(await startWorkerProcess({ ...env, WORKER_ID: id }));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await database?.drop();
    if (prefix) await deleteRedisKeys(prefix);
  });

  it("closes the token's sockets on every worker within a second and rejects it everywhere", async () => {
    const [a, b, c] = workers.map((w) => new ApiClient(w.url));
    await a!.register(uniqueName());
    for (const api of [b!, c!]) api.token = a!.token;
    const other = new ApiClient(workers[0]!.url);
    const login = await other.request("POST", "/api/auth/login", { username: (await a!.request("GET", "/api/me")).json.user.username, password: "correct horse battery" });
    other.token = login.json.token;
    const sockets = await Promise.all([a!, b!, c!].map((api) => api.socket()));
    const survivor = await other.socket();

    const started = Date.now();
    const res = await a!.request("POST", "/api/auth/logout");
    expect(res.status).toBe(200);
    const closes = await Promise.all(sockets.map((s) => s.waitClose(5000)));
    expect(Date.now() - started).toBeLessThan(1000);
    for (const close of closes) expect(close).toEqual({ code: 1008, reason: "signed out" });

    for (const api of [a!, b!, c!]) {
      const me = await api.request("GET", "/api/me");
      expect(me.status).toBe(401);
      expect(me.json.error.message).toMatch(/revoked/);
      await expect(api.socket()).rejects.toMatchObject({ status: 401 });
    }
    // Another session of the same user is untouched.
    expect((await other.request("GET", "/api/me")).status).toBe(200);
    survivor.send({ type: "ping" });
    await survivor.next("pong");
    await survivor.close();
  });
});
