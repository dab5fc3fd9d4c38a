import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/**
 * Two real workers on PostgreSQL behind the balancer, the first behind a TCP proxy that can reset
 * the balancer's connection after the worker answered, i.e. after it committed: the balancer must
 * then retry only what is idempotent end to end, and nothing may be stored twice.
 */
describe("the balancer's retries after a worker committed", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: postgres.Sql;
  let proxy: TcpProxy;
  const processes: WorkerProcess[] = [];
  let lb: WorkerProcess;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = testRedisPrefix();
    const shared = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, JWT_SECRET: testSecret() };
    for (let i = 1; i <= 2; i++)
      processes.push(await startWorkerProcess({ ...shared, WORKER_ID: `rw${i}`, TRUSTED_PROXIES: "127.0.0.1", REGISTER_RATE: "10000/60s" }));
    proxy = await TcpProxy.start({ host: "127.0.0.1", port: processes[0]!.port });
    lb = await startBalancerProcess([proxy.url(processes[0]!.url).replace(/\/$/, ""), processes[1]!.url], {
      ...shared,
      LB_IP_RATE: "100000/60s",
      LB_USER_RATE: "100000/60s",
    });
    processes.push(lb);
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await Promise.all(processes.map((p) => p.stop()));
    await proxy?.down();
    await database?.drop();
    if (prefix) await deleteRedisKeys(prefix);
  });

  /** A user whose requests the balancer sends to the worker behind the proxy first. */
  const userBehindProxy = async () => {
    for (let i = 0; i < 60; i++) {
      const api = new ApiClient(lb.url);
      await api.register(uniqueName());
      if ((await api.request("GET", "/api/me")).headers.get("x-served-by") === "rw1") return api;
    }
    throw new Error("no user landed on rw1");
  };

  it("answers 503 to a create-room POST without Idempotency-Key, with a clientId: one room stored, nothing retried", async () => {
    const api = await userBehindProxy();
    const name = uniqueName("room");
    proxy.resetNextAnswer(/^HTTP\/1\.1 201/);
    const res = await api.request("POST", "/api/rooms", { name, clientId: "c-1" });
    expect(proxy.cuts).toBe(1);
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("unavailable");
    expect((await sql`select count(*)::int as n from rooms where name = ${name}`)[0]!.n).toBe(1);
  });

  it("retries a message POST with a clientId on the other worker: one copy stored, the client gets it", async () => {
    const api = await userBehindProxy();
    const room = await api.createRoom(uniqueName("room"));
    const cutsBefore = proxy.cuts;
    proxy.resetNextAnswer(/^HTTP\/1\.1 201/);
    const res = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "once", clientId: "m-1" });
    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-served-by")).toBe("rw2");
    expect((await sql`select count(*)::int as n from messages where room_id = ${room.id} and client_id = 'm-1'`)[0]!.n).toBe(1);
  });

  it("retries a POST with Idempotency-Key on the other worker, which answers the first worker's result: one copy stored", async () => {
    const api = await userBehindProxy();
    const room = await api.createRoom(uniqueName("room"));
    const cutsBefore = proxy.cuts;
    proxy.resetNextAnswer(/^HTTP\/1\.1 201/);
    const key = `k-${crypto.randomUUID()}`;
    const res = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "keyed once" }, { "idempotency-key": key });
    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get("x-served-by")).toBe("rw2");
    expect(res.headers.get("idempotency-replayed")).toBe("true");
    expect((await sql`select count(*)::int as n from messages where room_id = ${room.id} and body = 'keyed once'`)[0]!.n).toBe(1);
  });
});
