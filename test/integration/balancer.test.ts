import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

type Status = { workers: number; healthy: number; pool: Array<{ url: string; healthy: boolean; draining: boolean; routed: number; webSockets: number }> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADMIN = "admin-secret-0123456789";
const HEALTH = { LB_HEALTH_INTERVAL_MS: "500", LB_RISE: "2", LB_FALL: "3" };

describe("balancer in front of three workers", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const workers: WorkerProcess[] = [];
  let lb: WorkerProcess;
  let shared: Record<string, string>;

  const status = async (): Promise<Status> => (await fetch(`${lb.url}/lb/status`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Status>;
  /** Registers users until one is routed to `worker` (HTTP x-served-by). */
  const userOn = async (workerId: string) => {
    for (let i = 0; i < 60; i++) {
      const api = new ApiClient(lb.url);
      await api.register(uniqueName());
      const res = await api.request("GET", "/api/me");
      if (res.headers.get("x-served-by") === workerId) return api;
    }
    throw new Error(`no user landed on ${workerId}`);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    shared = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), JWT_SECRET: testSecret() };
    for (let i = 1; i <= 3; i++) {
      workers.push(
        await startWorkerProcess({ ...shared, WORKER_ID: `w${i}`, TRUSTED_PROXIES: "127.0.0.1", REGISTER_RATE: "100000/60s", PRESENCE_TTL_SECONDS: "6" }),
      );
    }
    lb = await startBalancerProcess(
      workers.map((w) => w.url),
      { ...shared, ...HEALTH, LB_IP_RATE: "100000/60s", LB_USER_RATE: "100000/60s", LB_UPGRADE_RATE: "100000/60s", LB_ADMIN_SECRET: ADMIN },
    );
  });
  afterAll(async () => {
    await Promise.all([lb?.stop(), ...workers.map((w) => w.stop())]);
    await database?.drop();
    if (shared) await deleteRedisKeys(shared.REDIS_PREFIX!);
  });

  it("keeps a user on one worker over HTTP and WebSocket, and spreads users", async () => {
    const seen = new Set<string>();
    for (let u = 0; u < 9; u++) {
      const api = new ApiClient(lb.url);
      await api.register(uniqueName());
      const servedBy = new Set<string>();
      for (let i = 0; i < 5; i++) servedBy.add((await api.request("GET", "/api/me")).headers.get("x-served-by")!);
      expect(servedBy.size).toBe(1);
      const socket = await api.socket();
      expect(socket.all("hello")[0]!.worker).toBe([...servedBy][0]);
      await socket.close();
      seen.add([...servedBy][0]!);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it("answers oversized and malformed requests itself", async () => {
    const big = await fetch(`${lb.url}/api/rooms`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(70_000) }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get("x-served-by")).toMatch(/^lb-/);
    expect((await big.json()).error.code).toBe("too_large");
    const { connect } = await import("node:net");
    const exchange = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(lb.url).port), "127.0.0.1", () => socket.write(request));
        let text = "";
        socket.on("data", (d) => (text += d));
        socket.on("close", () => resolve(text));
      });
    for (const request of ["GARBAGE / HTTP/9\r\n\r\n", "GET http://[ HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"]) {
      const raw = await exchange(request);
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect(raw).toContain('"code":"invalid_request"');
    }
    // An X-Request-Id a worker would refuse is replaced on the way, not echoed.
    const traced = await fetch(`${lb.url}/api/me`, { headers: { "x-request-id": "two words" } });
    expect(traced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${lb.url}/api/me`, { headers: { "x-request-id": "trace-1" } })).headers.get("x-request-id")).toBe("trace-1");
  });

  it("answers bad upgrades itself: 401 for a bad token, 404 off /ws", async () => {
    const api = new ApiClient(lb.url, "not-a-token");
    await expect(api.socket()).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${lb.url}/lb/status`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ workers: 3, healthy: 3, rateLimiter: "redis" });
  });

  it("adds and removes workers at run time behind a secret, without dropping other users' sockets", async () => {
    const extra = await startWorkerProcess({ ...shared, WORKER_ID: "w4", TRUSTED_PROXIES: "127.0.0.1" });
    try {
      const api = await userOn("w1");
      const socket = await api.socket();
      const admin = (method: string, path: string, body?: unknown, secret = ADMIN) =>
        fetch(`${lb.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      expect((await admin("POST", "/lb/workers", { url: extra.url }, "wrong-secret-000000")).status).toBe(401);
      expect((await admin("POST", "/lb/workers", { url: "not a url" })).status).toBe(400);
      expect((await admin("POST", "/lb/workers", { url: extra.url })).status).toBe(201);
      expect((await status()).pool.find((w) => w.url === extra.url)?.healthy).toBe(true);
      const landed = new Set<string>();
      for (let i = 0; i < 30 && !landed.has("w4"); i++) {
        const user = new ApiClient(lb.url);
        await user.register(uniqueName());
        landed.add((await user.request("GET", "/api/me")).headers.get("x-served-by")!);
      }
      expect(landed.has("w4")).toBe(true);
      expect((await admin("DELETE", `/lb/workers?url=${encodeURIComponent(extra.url)}`)).status).toBe(200);
      expect((await status()).pool.map((w) => w.url)).not.toContain(extra.url);
      socket.send({ type: "ping" });
      await socket.next("pong");
      expect(socket.closed).toBeUndefined();
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("SIGKILL: the worker leaves rotation, its sockets get 1012, idempotent sends are retried, nothing acked is lost", async () => {
    const victim = workers[2]!;
    const reader = await userOn("w3");
    const sender = await userOn("w3");
    const room = await sender.createRoom(uniqueName("kill"));
    await reader.join(room.id);
    let socket: SocketClient = await reader.socket();
    await socket.subscribe(room.id);

    const acked = new Map<string, number>();
    const ackedAt: number[] = [];
    const failures: number[] = [];
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending; i++) {
        const res = await sender.request("POST", `/api/rooms/${room.id}/messages`, { body: `m${i}`, clientId: `k-${i}` });
        if (res.status === 201 || res.status === 200) {
          acked.set(`k-${i}`, res.json.message.seq);
          ackedAt.push(Date.now());
        } else failures.push(res.status);
        await sleep(20);
      }
    })();
    await sleep(500);
    const killedAt = Date.now();
    await victim.kill();
    const closed = await socket.waitClose();
    expect(closed.code).toBe(1012);

    // Out of rotation within fall × interval (+ one interval of slack).
    for (;;) {
      const w3 = (await status()).pool.find((w) => w.url === victim.url)!;
      if (!w3.healthy) break;
      expect(Date.now() - killedAt).toBeLessThan(3 * 500 + 1000);
      await sleep(50);
    }
    const routedAfter = (await status()).pool.find((w) => w.url === victim.url)!.routed;

    // Reconnect through the balancer: lands elsewhere and resumes from the last seq seen.
    const lastSeen = Math.max(0, ...socket.messages(room.id).map((m) => m.seq));
    socket = await reader.socket();
    expect(socket.all("hello")[0]!.worker).not.toBe("w3");
    await socket.subscribe(room.id, lastSeen);
    await sleep(500);
    sending = false;
    await traffic;
    await sleep(500);

    expect((await status()).pool.find((w) => w.url === victim.url)!.routed).toBe(routedAfter);
    expect(failures).toEqual([]); // every send had a clientId, so every one was retried to success
    // Traffic flowed before the kill and was acknowledged after it (the sender's home was the victim).
    expect(ackedAt.some((t) => t < killedAt)).toBe(true);
    expect(ackedAt.some((t) => t > killedAt)).toBe(true);
    const history = await sender.history(room.id, "?limit=100");
    const received = socket.messages(room.id).map((m) => m.seq);
    // Everything after the resume point arrived once, in order; nothing acknowledged is missing from the room.
    expect(received).toEqual(history.messages.map((m) => m.seq).filter((s) => s > lastSeen));
    const stored = new Set(history.messages.map((m) => m.clientId));
    for (const clientId of acked.keys()) expect(stored.has(clientId)).toBe(true);
    await socket.close();
  });

  it("SIGTERM: the worker drains, its sockets get 1001 with advice, new connections go elsewhere", async () => {
    const draining = workers[1]!;
    const api = await userOn("w2");
    const socket = await api.socket();
    draining.child.kill("SIGTERM");
    const closed = await socket.waitClose();
    expect(closed.code).toBe(1001);
    expect(JSON.parse(closed.reason).retryMs).toBeGreaterThan(0);
    await sleep(1200);
    const again = await api.socket();
    expect(again.all("hello")[0]!.worker).not.toBe("w2");
    await again.close();
    expect(await draining.exited).toBe(0);
  });
});

describe("rate limits shared by two balancers", () => {
  it("answers 429 with an integer Retry-After once the shared bucket is empty", async () => {
    const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), JWT_SECRET: testSecret(), LB_IP_RATE: "12/60s" };
    // No worker needed: the limit is checked before routing (503 means "admitted, no worker").
    const [a, b] = await Promise.all([startBalancerProcess([], shared), startBalancerProcess([], shared)]);
    try {
      const statuses: number[] = [];
      let retryAfter = "";
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${(i % 2 ? a : b).url}/api/rooms`);
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get("retry-after")!;
      }
      // Burst of 2 (12/60s) across both balancers; alone, each would admit 2.
      expect(statuses.filter((s) => s !== 429).length).toBe(2);
      expect(statuses.slice(2).every((s) => s === 429)).toBe(true);
      expect(retryAfter).toMatch(/^[1-9]\d*$/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await deleteRedisKeys(shared.REDIS_PREFIX);
    }
  });
});
