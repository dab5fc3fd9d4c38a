import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerPool } from "./worker-pool.ts";

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silent;
  },
} as never;

/** A stand-in worker whose /readyz answers what the test says, over a real socket. */
async function fakeWorker(): Promise<{ url: string; status: number; body: object; close(): Promise<void> }> {
  const worker = { url: "", status: 200, body: {} as object, close: async () => {} };
  const server: Server = createServer((_req, res) => res.writeHead(worker.status, { "content-type": "application/json" }).end(JSON.stringify(worker.body)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  worker.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  worker.close = () => new Promise<void>((r) => server.close(() => r())).then(() => void server.closeAllConnections());
  return worker;
}

describe("WorkerPool", () => {
  const workers: Array<Awaited<ReturnType<typeof fakeWorker>>> = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close().catch(() => {})));
  });

  async function pool(n: number) {
    for (let i = 0; i < n; i++) workers.push(await fakeWorker());
    const p = new WorkerPool({ intervalMs: 60_000, timeoutMs: 500, rise: 1, fall: 2 }, silent);
    const down: string[] = [];
    p.onDown((url) => down.push(url));
    for (const w of workers) p.add(w.url);
    await p.checkAll();
    return { p, down };
  }

  const dependencyDown = { error: { code: "unavailable", message: "down: redis" }, checks: { redis: "down" } };

  it("keeps a worker whose dependency is down out of rotation without cutting its sockets", async () => {
    const { p, down } = await pool(2);
    const [a, b] = workers;
    a!.status = 503;
    a!.body = dependencyDown;
    await p.checkAll();
    await p.checkAll();
    expect(p.get(a!.url)).toMatchObject({ healthy: false, alive: true });
    expect(p.routable(a!.url)).toBe(false);
    expect(p.routable(b!.url)).toBe(true);
    expect(down).toEqual([]);
  });

  it("routes to live workers when none is healthy: every worker shares the dependency that is down", async () => {
    const { p, down } = await pool(3);
    for (const w of workers) Object.assign(w, { status: 503, body: dependencyDown });
    await p.checkAll();
    await p.checkAll();
    expect(p.all().every((s) => !s.healthy && s.alive)).toBe(true);
    expect(workers.every((w) => p.routable(w.url))).toBe(true);
    expect(down).toEqual([]);
    // One comes back: it alone takes new users again.
    workers[1]!.status = 200;
    await p.checkAll();
    expect(workers.map((w) => p.routable(w.url))).toEqual([false, true, false]);
  });

  it("cuts the sockets of a worker that stops answering, after `fall` checks, even when already out of rotation", async () => {
    const { p, down } = await pool(2);
    const [a] = workers;
    Object.assign(a!, { status: 503, body: dependencyDown });
    await p.checkAll();
    await p.checkAll();
    expect(down).toEqual([]);
    await a!.close();
    await p.checkAll();
    expect(down).toEqual([]);
    await p.checkAll();
    expect(p.get(a!.url)).toMatchObject({ healthy: false, alive: false });
    expect(down).toEqual([a!.url]);
    expect(p.routable(a!.url)).toBe(false);
  });

  it("never routes to a draining worker, even as a fallback", async () => {
    const { p, down } = await pool(1);
    Object.assign(workers[0]!, { status: 503, body: { error: { code: "unavailable", message: "draining" }, draining: true } });
    await p.checkAll();
    expect(p.routable(workers[0]!.url)).toBe(false);
    // A draining worker closes its own sockets with reconnect advice.
    expect(down).toEqual([]);
  });

  it("takes a refused worker out at once and cuts its sockets (passive detection)", async () => {
    const { p, down } = await pool(2);
    p.markFailed(workers[0]!.url, "ECONNREFUSED");
    expect(p.get(workers[0]!.url)).toMatchObject({ healthy: false, alive: false });
    expect(down).toEqual([workers[0]!.url]);
  });
});
