import { createServer } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { balancerFor, closeAll, listen, rawExchange, tokenFor, track } from "./test-fixtures.ts";

afterEach(closeAll);

/** A stand-in worker: JSON for HTTP, 101 for every upgrade. */
async function worker() {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  server.on("upgrade", (_req, socket: Socket) => track(socket).write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
  return listen(server);
}

/** A connection from `localAddress` (any 127/8 address is loopback) that sends half a request head and stalls. */
function halfOpen(url: string, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = track(connect({ port: Number(new URL(url).port), host: "127.0.0.1", localAddress }));
    socket.on("data", () => {}); // read what the server says, so its close is seen
    socket.once("connect", () => (socket.write("GET /healthz HTTP/1.1\r\nHost: lb\r\nX-Slow: "), resolve(socket)));
    socket.once("error", reject);
  });
}

const closed = (socket: Socket) => socket.destroyed || socket.readableEnded;
const HEALTHZ = "GET /healthz HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n";

describe("the balancer's server under slow and many connections", () => {
  it("answers a normal request promptly under 1,000 half-open connections, and closes them after the head timeout", async () => {
    const lb = await balancerFor([await worker()], { LB_HEADERS_TIMEOUT_MS: "1000" });
    const stalled: Socket[] = [];
    for (let i = 0; i < 1000; i++) stalled.push(await halfOpen(lb.url, `127.0.0.${2 + (i % 4)}`));
    const started = Date.now();
    const raw = await rawExchange(lb.url, HEALTHZ, { localAddress: "127.0.0.1" });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(Date.now() - started).toBeLessThan(500);
    await expect.poll(() => stalled.filter(closed).length, { timeout: 5000, interval: 100 }).toBe(1000);
  }, 20_000);

  it("caps concurrent connections per address: one over the cap gets 429 in the JSON shape, others are unaffected", async () => {
    const lb = await balancerFor([await worker()], { LB_CONNECTIONS_PER_ADDRESS: "5" });
    const held = await Promise.all(Array.from({ length: 5 }, () => halfOpen(lb.url, "127.0.0.7")));
    const over = await rawExchange(lb.url, HEALTHZ, { localAddress: "127.0.0.7" });
    expect(over).toMatch(/^HTTP\/1\.1 429/);
    expect(over).toContain('{"error":{"code":"rate_limited","message":"too many connections from this address"}}');
    expect(await rawExchange(lb.url, HEALTHZ, { localAddress: "127.0.0.8" })).toMatch(/^HTTP\/1\.1 200/);
    // One over the cap that sends nothing is dropped within a second or so.
    const silent = await halfOpen(lb.url, "127.0.0.7");
    await expect.poll(() => closed(silent), { timeout: 3000 }).toBe(true);
    for (const socket of held) socket.destroy();
    await expect.poll(async () => (await rawExchange(lb.url, HEALTHZ, { localAddress: "127.0.0.7" })).slice(0, 12)).toBe("HTTP/1.1 200");
  });

  it("lets 24 users behind one address reconnect at once, and limits upgrades per user", async () => {
    const lb = await balancerFor([await worker()]);
    const upgrade = async (userId: string) => {
      const head = `GET /ws HTTP/1.1\r\nHost: lb\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${await tokenFor(userId)}\r\n\r\n`;
      return (await rawExchange(lb.url, head, { localAddress: "127.0.0.9", untilMs: 1000 })).slice(0, 12);
    };
    const users = await Promise.all(Array.from({ length: 24 }, (_, i) => upgrade(`nat-user-${i}`)));
    expect(users).toEqual(Array(24).fill("HTTP/1.1 101"));
    // One user's burst is a sixth of LB_UPGRADE_RATE (60/60s): 10 at once, then 429.
    const one = await Promise.all(Array.from({ length: 12 }, () => upgrade("eager-user")));
    expect(one.filter((s) => s === "HTTP/1.1 101")).toHaveLength(10);
    expect(one.filter((s) => s === "HTTP/1.1 429")).toHaveLength(2);
  });
});
