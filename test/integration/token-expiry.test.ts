import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE_CODES } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { createTestDatabase, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** RELIABILITY row 14: a socket does not outlive its token, unless the client hands it a fresh one. */
describe("a WebSocket at its token's exp", () => {
  let worker: WorkerProcess;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    worker = await startWorkerProcess({ DATABASE_URL: database.url, JWT_TTL_SECONDS: "5", REGISTER_RATE: "1000/60s" });
  });
  afterAll(async () => {
    await worker?.stop();
    await database?.drop();
  });

  async function signIn() {
    const res = await new ApiClient(worker.url).request("POST", "/api/auth/register", { username: uniqueName(), password: "correct horse battery" });
    expect(res.status).toBe(201);
    return { api: new ApiClient(worker.url, res.json.token), expiresAt: Date.parse(res.json.expiresAt), refreshToken: res.json.refreshToken as string };
  }

  it("is closed with 4001 token expired at exp", async () => {
    const { api, expiresAt } = await signIn();
    const socket = await api.socket();
    const closed = await socket.waitClose(10_000);
    expect(closed).toEqual({ code: CLOSE_CODES.tokenExpired, reason: "token expired" });
    // At exp, not long after it.
    expect(Math.abs(Date.now() - expiresAt)).toBeLessThan(1500);
  });

  it("stays open past exp after an auth frame with a refreshed token, and closes at the new exp", async () => {
    const { api, expiresAt, refreshToken } = await signIn();
    const socket = await api.socket();
    await new Promise((r) => setTimeout(r, 2500));
    const refreshed = await api.request("POST", "/api/auth/refresh", { refreshToken });
    expect(refreshed.status).toBe(200);
    socket.send({ type: "auth", token: refreshed.json.token });
    const authed = await socket.next("authed");
    expect(authed.exp * 1000).toBe(Date.parse(refreshed.json.expiresAt));
    expect(authed.exp * 1000).toBeGreaterThan(expiresAt);

    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 1000));
    expect(socket.closed).toBeUndefined();
    socket.send({ type: "ping" });
    await socket.next("pong");
    expect(await socket.waitClose(10_000)).toEqual({ code: CLOSE_CODES.tokenExpired, reason: "token expired" });
    expect(Date.now()).toBeGreaterThanOrEqual(authed.exp * 1000 - 50);
  });
});
