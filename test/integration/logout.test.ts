import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** RELIABILITY row 14: signing out revokes the token (or all of a user's) on every worker and closes its sockets there. */
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
    const login = await other.request("POST", "/api/auth/login", {
      username: (await a!.request("GET", "/api/me")).json.user.username,
      password: "correct horse battery",
    });
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

  async function twoSessions(api: ApiClient) {
    const username = uniqueName();
    const first = await api.request("POST", "/api/auth/register", { username, password: "correct horse battery" });
    const second = await api.request("POST", "/api/auth/login", { username, password: "correct horse battery" });
    return {
      username,
      tokens: [first.json.token as string, second.json.token as string],
      refreshTokens: [first.json.refreshToken as string, second.json.refreshToken as string],
    };
  }

  /** Each session's token on the first two workers, with a socket on each: four sockets on two workers. */
  async function socketsOf(tokens: string[]) {
    const clients = tokens.flatMap((token) => workers.slice(0, 2).map((w) => new ApiClient(w.url, token)));
    return { clients, sockets: await Promise.all(clients.map((api) => api.socket())) };
  }

  it("signs out everywhere: every session's token rejected and sockets closed on both workers within a second", async () => {
    const a = new ApiClient(workers[0]!.url);
    const { tokens, refreshTokens } = await twoSessions(a);
    const bystander = new ApiClient(workers[1]!.url);
    await bystander.register(uniqueName());
    const kept = await bystander.socket();
    const { clients, sockets } = await socketsOf(tokens);

    const started = Date.now();
    a.token = tokens[0];
    expect((await a.request("POST", "/api/auth/logout-all")).status).toBe(200);
    const closes = await Promise.all(sockets.map((s) => s.waitClose(5000)));
    expect(Date.now() - started).toBeLessThan(1000);
    for (const close of closes) expect(close).toEqual({ code: 1008, reason: "signed out" });
    for (const api of clients) {
      expect((await api.request("GET", "/api/me")).status).toBe(401);
      await expect(api.socket()).rejects.toMatchObject({ status: 401 });
    }
    for (const refreshToken of refreshTokens)
      expect((await new ApiClient(workers[1]!.url).request("POST", "/api/auth/refresh", { refreshToken })).status).toBe(401);
    kept.send({ type: "ping" });
    await kept.next("pong");
    await kept.close();
  });

  it("a password change does the same, and the new session works on every worker", async () => {
    const a = new ApiClient(workers[1]!.url);
    const { tokens } = await twoSessions(a);
    const { clients, sockets } = await socketsOf(tokens);
    a.token = tokens[1];
    const changed = await a.request("POST", "/api/auth/password", { currentPassword: "correct horse battery", newPassword: "a brand new secret" });
    expect(changed.status, changed.text).toBe(200);
    // Timed from the answer: the request itself runs two bcrypt hashes first, which a loaded machine makes slow.
    const answered = Date.now();
    const closes = await Promise.all(sockets.map((s) => s.waitClose(5000)));
    expect(Date.now() - answered).toBeLessThan(1000);
    for (const close of closes) expect(close.code).toBe(1008);
    for (const api of clients) expect((await api.request("GET", "/api/me")).status).toBe(401);
    for (const worker of workers) {
      const api = new ApiClient(worker.url, changed.json.token);
      expect((await api.request("GET", "/api/me")).status).toBe(200);
      const socket = await api.socket();
      socket.send({ type: "ping" });
      await socket.next("pong");
      await socket.close();
    }
  });
});
