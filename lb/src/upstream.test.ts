import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Pool } from "undici";
import { MAX_RESPONSE_HEAD_BYTES, Relay, upstreamPool } from "./upstream.ts";

const servers: Array<Server | HttpServer> = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const server of servers.splice(0)) {
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

const listen = async <T extends Server | HttpServer>(server: T) => {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
};

/** A server that answers every request with the given raw bytes, written in pieces. */
const rawServer = (answer: (socket: Socket, request: Buffer) => void) =>
  listen(
    createServer((socket) => {
      sockets.add(socket);
      socket.once("data", (request) => answer(socket, request));
    }),
  );

const pools: Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
});

/**
 * A front server relaying every request to the worker on `port` as the balancer does; a failure
 * before the head answers 599 naming the error, so tests can see how it was classified.
 */
async function front(port: number, maxSockets = 1, timeoutMs = 5000) {
  const pool = upstreamPool(`http://127.0.0.1:${port}`, { maxSockets, timeoutMs });
  pools.push(pool);
  const url = `http://127.0.0.1:${await listen(
    createHttpServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const relay = new Relay(res);
      pool.dispatch({ method: req.method!, path: req.url!, headers: ["Accept", "*/*"], body: chunks.length ? Buffer.concat(chunks) : undefined }, relay);
      await relay.answered.catch((e: { code: string; connectFailed: boolean }) =>
        res.writeHead(599, { "x-code": e.code, "x-connect-failed": String(e.connectFailed) }).end(),
      );
    }),
  )}`;
  return (path = "/", init?: RequestInit) => fetch(`${url}${path}`, init);
}

const failure = (res: Response) => ({ status: res.status, code: res.headers.get("x-code"), connectFailed: res.headers.get("x-connect-failed") });

describe("upstreamPool and Relay", () => {
  it("relays Content-Length answers minus hop-by-hop headers, and reuses connections", async () => {
    const peers = new Set<number>();
    const port = await listen(
      createHttpServer((req, res) => {
        peers.add(req.socket.remotePort!);
        res.writeHead(200, { "content-type": "application/json", "x-path": req.url, "keep-alive": "timeout=5" });
        res.end(JSON.stringify({ path: req.url }));
      }),
    );
    const get = await front(port, 4);
    for (const path of ["/a", "/b", "/c", "/d", "/e", "/f"]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-path")).toBe(path);
      expect(await res.text()).toBe(`{"path":"${path}"}`);
    }
    // undici checks an idle socket for a pending close before reusing it, and may open a second meanwhile.
    expect(peers.size).toBeLessThanOrEqual(2);
  });

  it("sends the body and relays chunked answers split anywhere, trailers included", async () => {
    let received = "";
    const port = await rawServer((socket, request) => {
      received = request.toString();
      const parts = ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n", "\r\n5\r\nhel", "lo\r\n6;ext=1\r\n world\r", "\n0\r\nX-Trailer: 1\r\n", "\r\n"];
      parts.forEach((part, i) => setTimeout(() => socket.write(part), i * 5));
    });
    const res = await (await front(port))("/", { method: "POST", body: "{}" });
    expect(await res.text()).toBe("hello world");
    expect(received).toMatch(/^POST \/ HTTP\/1\.1\r\n[\s\S]*content-length: 2\r\n\r\n\{\}$/i);
  });

  it("skips interim answers, relays no body for HEAD or 204, and reads until close without a length", async () => {
    const port = await rawServer((socket) =>
      socket.end("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"),
    );
    const res = await (await front(port))();
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("until the end");

    const head = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"));
    expect((await (await front(head))("/", { method: "HEAD" })).status).toBe(200);
    const empty = await rawServer((socket) => socket.write("HTTP/1.1 204 No Content\r\n\r\n"));
    const none = await (await front(empty))();
    expect([none.status, await none.text()]).toEqual([204, ""]);
  });

  it("tells a connection that could not be opened from one that broke, and times out", async () => {
    const closed = await listen(createServer());
    await new Promise((r) => servers.pop()!.close(r));
    expect(failure(await (await front(closed))())).toEqual({ status: 599, code: "ECONNREFUSED", connectFailed: "true" });
    const hangUp = await rawServer((socket) => socket.destroy());
    expect(failure(await (await front(hangUp))())).toMatchObject({
      status: 599,
      code: expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET)$/),
      connectFailed: "false",
    });
    const silent = await rawServer(() => {});
    expect(failure(await (await front(silent, 1, 100))())).toEqual({ status: 599, code: "UND_ERR_HEADERS_TIMEOUT", connectFailed: "false" });
  });

  it("refuses a response head over the limit", async () => {
    const port = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${"x".repeat(MAX_RESPONSE_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`));
    expect(failure(await (await front(port))())).toEqual({ status: 599, code: "UND_ERR_HEADERS_OVERFLOW", connectFailed: "false" });
  });

  it("cuts the client's answer when the worker dies mid-body", async () => {
    const port = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      setTimeout(() => socket.destroy(), 20);
    });
    const res = await (await front(port))();
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("stops reading from the worker while the client does not read, then relays every byte", async () => {
    const CHUNK = 64 * 1024;
    const COUNT = 512; // 32 MiB: more than loopback socket buffers hold
    let written = 0;
    const port = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { "content-length": CHUNK * COUNT });
        const chunk = Buffer.alloc(CHUNK, 121);
        const write = () => {
          while (written < COUNT) {
            written++;
            if (!res.write(chunk)) return void res.once("drain", write);
          }
          res.end();
        };
        write();
      }),
    );
    const res = await (await front(port))();
    await new Promise((r) => setTimeout(r, 300));
    const stalled = written;
    expect(stalled).toBeLessThan(COUNT);
    await new Promise((r) => setTimeout(r, 100));
    expect(written).toBe(stalled);
    expect((await res.arrayBuffer()).byteLength).toBe(CHUNK * COUNT);
  });

  it("queues requests past maxSockets and serves them as connections free up", async () => {
    let open = 0;
    let most = 0;
    const port = await listen(
      createHttpServer((_req, res) => {
        most = Math.max(most, ++open);
        setTimeout(() => {
          open--;
          res.end("ok");
        }, 10);
      }),
    );
    const get = await front(port, 2);
    const answers = await Promise.all(Array.from({ length: 6 }, async () => (await get()).text()));
    expect(answers).toEqual(Array(6).fill("ok"));
    expect(most).toBeLessThanOrEqual(2);
  });
});
