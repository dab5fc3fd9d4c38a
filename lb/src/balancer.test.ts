import { createServer, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { balancerFor, closeAll, listen, tokenFor, track } from "./test-fixtures.ts";
import { MAX_RESPONSE_HEAD_BYTES } from "./upstream.ts";

afterEach(closeAll);

/** A stand-in worker on loopback: answers JSON with keep-alive, accepts WebSocket upgrades, misbehaves on demand. */
async function fakeWorker() {
  const worker = { url: "", mode: "ok" as "ok" | "reset-reused" | "reset-after" | "big-head", resets: 0, upgraded: [] as Socket[] };
  const served = new WeakSet<object>();
  const server = createServer((req: IncomingMessage, res) => {
    const reused = served.has(req.socket);
    served.add(req.socket);
    if (worker.mode === "reset-reused" && reused) {
      worker.resets++;
      worker.mode = "ok";
      return void req.socket.resetAndDestroy();
    }
    if (worker.mode === "reset-after") {
      worker.mode = "ok";
      res.on("finish", () => setTimeout(() => (worker.resets++, req.socket.resetAndDestroy()), 5));
    }
    if (worker.mode === "big-head") res.setHeader("x-big", "x".repeat(MAX_RESPONSE_HEAD_BYTES));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path: req.url }));
  });
  server.on("upgrade", (_req, socket: Socket) => {
    worker.upgraded.push(socket);
    track(socket);
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  });
  worker.url = await listen(server);
  return worker;
}

/** A WebSocket tunnel through the balancer, once the worker answered 101; `received` collects what comes back. */
async function openTunnel(lbUrl: string) {
  const token = await tokenFor("u1");
  const socket = track(connect(Number(new URL(lbUrl).port), "127.0.0.1"));
  const tunnel = { socket, received: "", closed: false };
  socket.on("data", (chunk) => (tunnel.received += chunk.toString("latin1")));
  socket.on("close", () => (tunnel.closed = true));
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: lb\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  await expect.poll(() => tunnel.received).toContain("101 Switching Protocols");
  tunnel.received = "";
  return tunnel;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("balancer and its workers' connections", () => {
  it("keeps a worker in rotation, and its tunnels open, when a kept-alive connection to it is reset", async () => {
    const worker = await fakeWorker();
    const lb = await balancerFor([worker.url]);
    const tunnel = await openTunnel(lb.url);
    expect((await fetch(`${lb.url}/api/a`)).status).toBe(200);
    await pause(20);

    // The worker resets the kept-alive connection as the next request arrives on it: that request fails cleanly.
    worker.mode = "reset-reused";
    const refused = await fetch(`${lb.url}/api/rooms`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(worker.resets).toBe(1);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: "unavailable" } });

    // …and it breaks nothing else: the next request is served, the worker stays in, its tunnel stays open.
    expect(await (await fetch(`${lb.url}/api/b`)).json()).toEqual({ path: "/api/b" });
    expect(lb.pool.get(worker.url)).toMatchObject({ healthy: true, alive: true });
    expect(lb.down).toEqual([]);
    await pause(50);
    expect(tunnel.closed).toBe(false);
    expect(tunnel.received).toBe("");
    expect(worker.upgraded[0]!.destroyed).toBe(false);
  });

  it("serves the next request on a fresh connection after a reset between requests", async () => {
    const worker = await fakeWorker();
    const lb = await balancerFor([worker.url]);
    const tunnel = await openTunnel(lb.url);
    worker.mode = "reset-after";
    expect((await fetch(`${lb.url}/api/a`)).status).toBe(200);
    await pause(30);
    expect(worker.resets).toBe(1);
    expect(await (await fetch(`${lb.url}/api/b`)).json()).toEqual({ path: "/api/b" });
    expect(lb.pool.get(worker.url)!.healthy).toBe(true);
    expect(tunnel.closed).toBe(false);
  });

  it("takes a worker out when a fresh connection to it is refused, and retries reads on the next", async () => {
    const live = await fakeWorker();
    const gone = createServer();
    const goneUrl = await listen(gone);
    gone.closeAllConnections();
    await new Promise((r) => gone.close(r));
    const lb = await balancerFor([live.url, goneUrl]);
    for (let i = 1; i <= 20; i++) {
      const res = await fetch(`${lb.url}/api/me`, { headers: { "x-forwarded-for": `10.0.0.${i}` } });
      expect(res.status).toBe(200);
    }
    expect(lb.pool.get(goneUrl)).toMatchObject({ healthy: false, alive: false });
    expect(lb.pool.get(goneUrl)!.lastError).toMatch(/ECONNREFUSED/);
    expect(lb.down).toEqual([goneUrl]);
    expect(lb.pool.get(live.url)!.healthy).toBe(true);
  });

  it("answers 502 for a worker's response head over the limit, and keeps the worker", async () => {
    const worker = await fakeWorker();
    const lb = await balancerFor([worker.url]);
    worker.mode = "big-head";
    const res = await fetch(`${lb.url}/api/me`);
    expect(res.status).toBe(502);
    expect(res.headers.get("x-served-by")).toBe("lb-test");
    expect(await res.json()).toMatchObject({ error: { code: "bad_gateway" } });
    worker.mode = "ok";
    expect((await fetch(`${lb.url}/api/me`)).status).toBe(200);
    expect(lb.pool.get(worker.url)!.healthy).toBe(true);
  });
});
