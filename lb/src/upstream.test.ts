import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Pool } from "undici";
import { Exchange, MAX_RESPONSE_HEAD_BYTES, upstreamPool } from "./upstream.ts";

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
const rawServer = (answer: (socket: Socket) => void) =>
  listen(
    createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () => answer(socket));
    }),
  );

const pools: Pool[] = [];
const poolOf = (port: number, maxSockets = 1, timeoutMs = 5000) => {
  const pool = upstreamPool(`http://127.0.0.1:${port}`, { maxSockets, timeoutMs });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
});

/** Resolves on the answer's head, as the proxy does. */
const send = (pool: Pool, path = "/", method = "GET", body?: Buffer) => {
  const exchange = new Exchange();
  pool.dispatch({ method, path, headers: ["Accept", "*/*"], body }, exchange);
  return exchange.answer;
};

const body = (exchange: Exchange) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    exchange.stream({ data: (c) => (chunks.push(c), true), end: () => resolve(Buffer.concat(chunks).toString()), error: reject });
  });

describe("upstreamPool and Exchange", () => {
  it("reads Content-Length answers and reuses connections", async () => {
    const peers = new Set<number>();
    const port = await listen(
      createHttpServer((req, res) => {
        peers.add(req.socket.remotePort!);
        res.writeHead(200, { "content-type": "application/json", "x-path": req.url });
        res.end(JSON.stringify({ path: req.url }));
      }),
    );
    const pool = poolOf(port, 4);
    for (const path of ["/a", "/b", "/c", "/d", "/e", "/f"]) {
      const answer = await send(pool, path);
      expect(answer.status).toBe(200);
      expect(answer.headers["x-path"]).toBe(path);
      expect(await body(answer)).toBe(`{"path":"${path}"}`);
    }
    // undici checks an idle socket for a pending close before reusing it, and may open a second meanwhile.
    expect(peers.size).toBeLessThanOrEqual(2);
  });

  it("sends the body and decodes chunked answers split anywhere, trailers included", async () => {
    let received = "";
    const port = await rawServer((socket) => {
      socket.once("data", (chunk) => (received += chunk.toString()));
      const parts = ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n", "\r\n5\r\nhel", "lo\r\n6;ext=1\r\n world\r", "\n0\r\nX-Trailer: 1\r\n", "\r\n"];
      parts.forEach((part, i) => setTimeout(() => socket.write(part), i * 5));
    });
    const answer = await send(poolOf(port), "/", "POST", Buffer.from("{}"));
    expect(await body(answer)).toBe("hello world");
  });

  it("skips interim answers, reads no body for HEAD or 204, and reads until close without a length", async () => {
    const port = await rawServer((socket) => socket.end("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"));
    const answer = await send(poolOf(port));
    expect(answer.status).toBe(200);
    expect(await body(answer)).toBe("until the end");

    const head = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"));
    expect(await body(await send(poolOf(head), "/", "HEAD"))).toBe("");
    const empty = await rawServer((socket) => socket.write("HTTP/1.1 204 No Content\r\n\r\n"));
    expect(await body(await send(poolOf(empty)))).toBe("");
  });

  it("tells a connection that could not be opened from one that broke, and times out", async () => {
    const closed = await listen(createServer());
    await new Promise((r) => servers.pop()!.close(r));
    await expect(send(poolOf(closed))).rejects.toMatchObject({ code: "ECONNREFUSED", connectFailed: true });
    const hangUp = await rawServer((socket) => socket.destroy());
    await expect(send(poolOf(hangUp))).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET)$/), connectFailed: false });
    const silent = await rawServer(() => {});
    await expect(send(poolOf(silent, 1, 100))).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT", connectFailed: false });
  });

  it("refuses a response head over the limit", async () => {
    const port = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${"x".repeat(MAX_RESPONSE_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`));
    await expect(send(poolOf(port))).rejects.toMatchObject({ code: "UND_ERR_HEADERS_OVERFLOW", connectFailed: false });
  });

  it("fails the body when the worker dies mid-answer", async () => {
    const port = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      setTimeout(() => socket.destroy(), 20);
    });
    await expect(body(await send(poolOf(port)))).rejects.toBeInstanceOf(Error);
  });

  it("stops reading while the sink is full and goes on when resumed", async () => {
    const chunk = "y".repeat(64 * 1024);
    const port = await listen(
      createHttpServer((_req, res) => {
        let n = 0;
        const write = () => {
          while (n < 64) if (!res.write(chunk, () => {}) || ++n === 64) break;
          if (n >= 64) res.end();
          else res.once("drain", () => (n++, write()));
        };
        write();
      }),
    );
    const answer = await send(poolOf(port));
    let size = 0;
    const done = new Promise<void>((resolve, reject) => answer.stream({ data: (c) => ((size += c.length), false), end: resolve, error: reject }));
    await new Promise((r) => setTimeout(r, 100));
    const paused = size;
    expect(paused).toBeLessThan(64 * chunk.length);
    await new Promise((r) => setTimeout(r, 50));
    expect(size).toBe(paused);
    const timer = setInterval(() => answer.resume(), 1);
    await done;
    clearInterval(timer);
    expect(size).toBe(64 * chunk.length);
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
    const pool = poolOf(port, 2);
    const answers = await Promise.all(Array.from({ length: 6 }, async () => body(await send(pool))));
    expect(answers).toEqual(Array(6).fill("ok"));
    expect(most).toBeLessThanOrEqual(2);
  });
});
