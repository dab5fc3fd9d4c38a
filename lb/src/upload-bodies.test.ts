import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { balancerFor, closeAll, listen } from "./test-fixtures.ts";

afterEach(closeAll);

/** A stand-in worker that answers how many body bytes it received, and their first byte. */
async function countingWorker() {
  return listen(
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ bytes: body.length, first: body[0] ?? null }));
      });
    }),
  );
}

describe("request bodies through the balancer", () => {
  const post = (url: string, path: string, body: Uint8Array) =>
    fetch(url + path, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: body as Uint8Array<ArrayBuffer> });

  it("lets an upload past 64 KiB through, binary and whole, up to UPLOAD_MAX_BYTES and its envelope", async () => {
    const lb = await balancerFor([await countingWorker()], { UPLOAD_MAX_BYTES: String(200_000) });
    const file = new Uint8Array(150_000).fill(0xff);
    const res = await post(lb.url, "/api/uploads?name=a.bin", file);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: 150_000, first: 0xff });
    const over = await post(lb.url, "/api/uploads?name=a.bin", new Uint8Array(200_000 + 16 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe("too_large");
  });

  it("keeps the 64 KiB limit on every other route", async () => {
    const lb = await balancerFor([await countingWorker()], { UPLOAD_MAX_BYTES: String(200_000) });
    expect((await post(lb.url, "/api/rooms", new Uint8Array(70_000).fill(0x61))).status).toBe(413);
    expect((await post(lb.url, "/api/uploads/other", new Uint8Array(70_000).fill(0x61))).status).toBe(413);
  });
});
