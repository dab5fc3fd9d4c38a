import type { Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { systemClock, TokenIssuer } from "@parley/common";
import { createBalancer } from "./balancer.ts";
import { parseLbConfig } from "./config.ts";
import { MemoryRateLimiter, type RateLimiter } from "./rate-limiter.ts";
import { createBalancerServer } from "./server.ts";
import { WorkerPool } from "./worker-pool.ts";

/** Test helpers for the balancer's in-process tests: servers and sockets to clean up, a balancer on loopback. */
export const silent = { debug() {}, info() {}, warn() {}, error() {} };
export const SECRET = "a-test-secret-of-at-least-32-bytes!!";
const servers: Server[] = [];
const sockets: Socket[] = [];

/** Closes what the last test opened (call from afterEach). */
export async function closeAll(): Promise<void> {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

export const track = (socket: Socket) => (sockets.push(socket), socket);

export async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A balancer in front of `urls`, on the same server the entry builds; `env` adds LB_* settings. */
export async function balancerFor(urls: string[], env: Record<string, string> = {}, limiter: RateLimiter = new MemoryRateLimiter(systemClock)) {
  const config = parseLbConfig({ LB_WORKERS: urls.join(","), JWT_SECRET: SECRET, TRUSTED_PROXIES: "127.0.0.1", LOG_LEVEL: "silent", ...env });
  const pool = new WorkerPool(config.health, silent);
  const down: string[] = [];
  pool.onDown((url) => down.push(url));
  for (const url of urls) pool.add(url, true);
  const balancer = createBalancer({ config, id: "lb-test", pool, limiter, clock: systemClock, logger: silent });
  return { url: await listen(createBalancerServer(balancer, config)), pool, down };
}

/** A signed token for a user, as a worker would issue it. */
export async function tokenFor(userId: string): Promise<string> {
  return (await new TokenIssuer(SECRET, 3600, systemClock).issue({ id: userId, username: userId })).token;
}

/** Sends raw bytes to `url` and resolves with everything read until the server closes (or `untilMs`). */
export function rawExchange(url: string, request: string, options: { localAddress?: string; untilMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = track(connect({ port: Number(new URL(url).port), host: "127.0.0.1", localAddress: options.localAddress }));
    let text = "";
    socket.on("connect", () => socket.write(request));
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => resolve(text));
    if (options.untilMs) setTimeout(() => resolve(text), options.untilMs).unref();
  });
}
