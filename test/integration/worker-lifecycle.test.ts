import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

describe("a worker process", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startWorkerProcess({ LOG_LEVEL: "info", MESSAGE_RATE: "100000/60s", FRAME_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
  });
  afterAll(() => worker?.stop());

  it("disconnects a consumer that stops reading, and the others keep receiving", async () => {
    const api = new ApiClient(worker.url);
    await api.register(uniqueName());
    const room = await api.createRoom(uniqueName("slow"));
    const slow = await api.socket();
    const healthy = await api.socket();
    await slow.subscribe(room.id);
    await healthy.subscribe(room.id);
    // Stop reading: the kernel buffers fill, then the server's send buffer grows past 1 MiB.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const body = "x".repeat(4000);
    const total = 2500; // ~10 MB of frames, more than loopback buffers hold
    const sender = await api.socket();
    for (let i = 0; i < total; i++) sender.send({ type: "message", roomId: room.id, body, clientId: `s-${i}` });
    await healthy.waitForMessages(room.id, total, 60_000);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.waitClose(15_000);
    expect([1008, 1006]).toContain(closed.code);
    expect(slow.messages(room.id).length).toBeLessThan(total);
    expect(healthy.messages(room.id).map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await Promise.all([healthy.close(), sender.close()]);
  });

  it("writes no token or password to its logs", async () => {
    const api = new ApiClient(worker.url);
    const password = "very secret password 42";
    await api.register(uniqueName(), password);
    await api.request("GET", "/api/me");
    await api.request("GET", "/api/rooms?token=" + api.token);
    const socket = await api.socket();
    await socket.close();
    expect(worker.output()).toContain('"path":"/api/me"');
    expect(worker.output()).not.toMatch(JWT_SHAPE);
    expect(worker.output()).not.toContain(password);
  });
});

describe("SIGTERM", () => {
  it("turns not-ready, closes sockets with 1001 and reconnect advice, and exits cleanly", async () => {
    const worker = await startWorkerProcess();
    const api = new ApiClient(worker.url);
    await api.register(uniqueName());
    const socket = await api.socket();
    worker.child.kill("SIGTERM");
    const closed = await socket.waitClose();
    expect(closed.code).toBe(1001);
    const advice = JSON.parse(closed.reason);
    expect(advice.reason).toBe("draining");
    expect(advice.retryMs).toBeGreaterThanOrEqual(500);
    expect(await worker.exited).toBe(0);
    await worker.stop();
  });
});
