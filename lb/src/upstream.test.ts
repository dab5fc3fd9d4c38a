import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamPool, type Exchange } from "./upstream.ts";

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

const get = (path: string, method = "GET") => `${method} ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`;

const body = (exchange: Exchange) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    exchange.stream({ data: (c) => (chunks.push(c), true), end: () => resolve(Buffer.concat(chunks).toString()), error: reject });
  });

describe("UpstreamPool", () => {
  it("reads Content-Length answers and reuses one connection", async () => {
    const peers = new Set<number>();
    const port = await listen(
      createHttpServer((req, res) => {
        peers.add(req.socket.remotePort!);
        res.writeHead(200, { "content-type": "application/json", "x-path": req.url });
        res.end(JSON.stringify({ path: req.url }));
      }),
    );
    const pool = new UpstreamPool("127.0.0.1", port, { maxSockets: 4, timeoutMs: 5000 });
    for (const path of ["/a", "/b", "/c"]) {
      const answer = await pool.request(get(path), undefined, false);
      expect(answer.status).toBe(200);
      expect(answer.headers).toContain(path);
      expect(await body(answer)).toBe(`{"path":"${path}"}`);
    }
    expect(peers.size).toBe(1);
  });

  it("sends the body and decodes chunked answers split anywhere, trailers included", async () => {
    const port = await rawServer((socket) => {
      const parts = ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n", "\r\n5\r\nhel", "lo\r\n6;ext=1\r\n world\r", "\n0\r\nX-Trailer: 1\r\n", "\r\n"];
      parts.forEach((part, i) => setTimeout(() => socket.write(part), i * 5));
    });
    const pool = new UpstreamPool("127.0.0.1", port, { maxSockets: 1, timeoutMs: 5000 });
    const answer = await pool.request("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n", Buffer.from("{}"), false);
    expect(await body(answer)).toBe("hello world");
  });

  it("skips interim answers, reads no body for HEAD or 204, and reads until close without a length", async () => {
    const port = await rawServer((socket) => socket.end("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"));
    const pool = new UpstreamPool("127.0.0.1", port, { maxSockets: 1, timeoutMs: 5000 });
    const answer = await pool.request(get("/"), undefined, false);
    expect(answer.status).toBe(200);
    expect(await body(answer)).toBe("until the end");

    const head = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"));
    const headAnswer = await new UpstreamPool("127.0.0.1", head, { maxSockets: 1, timeoutMs: 5000 }).request(get("/", "HEAD"), undefined, true);
    expect(await body(headAnswer)).toBe("");
    const empty = await rawServer((socket) => socket.write("HTTP/1.1 204 No Content\r\n\r\n"));
    expect(await body(await new UpstreamPool("127.0.0.1", empty, { maxSockets: 1, timeoutMs: 5000 }).request(get("/"), undefined, false))).toBe("");
  });

  it("rejects with the connection's error code before an answer, and times out", async () => {
    const closed = await listen(createServer());
    await new Promise((r) => servers.pop()!.close(r));
    await expect(new UpstreamPool("127.0.0.1", closed, { maxSockets: 1, timeoutMs: 5000 }).request(get("/"), undefined, false)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const hangUp = await rawServer((socket) => socket.destroy());
    await expect(new UpstreamPool("127.0.0.1", hangUp, { maxSockets: 1, timeoutMs: 5000 }).request(get("/"), undefined, false)).rejects.toMatchObject({ code: "ECONNRESET" });
    const silent = await rawServer(() => {});
    await expect(new UpstreamPool("127.0.0.1", silent, { maxSockets: 1, timeoutMs: 100 }).request(get("/"), undefined, false)).rejects.toMatchObject({ code: "ETIMEDOUT_WORKER" });
  });

  it("fails the body when the worker dies mid-answer", async () => {
    const port = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      setTimeout(() => socket.destroy(), 20);
    });
    const answer = await new UpstreamPool("127.0.0.1", port, { maxSockets: 1, timeoutMs: 5000 }).request(get("/"), undefined, false);
    await expect(body(answer)).rejects.toMatchObject({ code: "ECONNRESET" });
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
    const pool = new UpstreamPool("127.0.0.1", port, { maxSockets: 2, timeoutMs: 5000 });
    const answers = await Promise.all(Array.from({ length: 6 }, async () => body(await pool.request(get("/"), undefined, false))));
    expect(answers).toEqual(Array(6).fill("ok"));
    expect(most).toBeLessThanOrEqual(2);
  });
});
