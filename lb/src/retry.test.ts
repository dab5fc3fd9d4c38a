import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { balancerFor, closeAll, listen } from "./test-fixtures.ts";

afterEach(closeAll);

/**
 * Two stand-in workers on one "database": each POST is committed (stored), and an `Idempotency-Key`
 * replays the stored answer, as the real workers do. With `resetAfterCommit`, the next POST is
 * committed and then its connection is reset before any answer leaves: the balancer cannot know it was stored.
 */
async function committingWorkers() {
  const shared = { stored: [] as string[], resetAfterCommit: false, resets: 0, answers: new Map<string, string>() };
  const worker = (name: string) =>
    createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      if (req.method !== "POST") return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
      const key = req.headers["idempotency-key"] as string | undefined;
      let answer = key === undefined ? undefined : shared.answers.get(key);
      if (answer === undefined) {
        shared.stored.push(body);
        answer = JSON.stringify({ id: shared.stored.length, by: name });
        if (key !== undefined) shared.answers.set(key, answer);
      }
      if (shared.resetAfterCommit) {
        shared.resetAfterCommit = false;
        shared.resets++;
        return void req.socket.resetAndDestroy();
      }
      res.writeHead(201, { "content-type": "application/json" }).end(answer);
    });
  const urls = [await listen(worker("w1")), await listen(worker("w2"))];
  return { shared, lb: await balancerFor(urls) };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("retrying a request whose connection broke after the worker committed it", () => {
  it("does not retry a POST that only carries a clientId outside the message route: one copy, 503", async () => {
    const { shared, lb } = await committingWorkers();
    shared.resetAfterCommit = true;
    const res = await post(`${lb.url}/api/rooms`, { name: "general", clientId: "c1" });
    expect(shared.resets).toBe(1);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "unavailable" } });
    expect(shared.stored).toHaveLength(1);
  });

  it("does not retry a plain POST", async () => {
    const { shared, lb } = await committingWorkers();
    shared.resetAfterCommit = true;
    expect((await post(`${lb.url}/api/rooms`, { name: "general" })).status).toBe(503);
    expect(shared.stored).toHaveLength(1);
  });

  it("retries a POST with an Idempotency-Key on the next worker, which replays the first answer", async () => {
    const { shared, lb } = await committingWorkers();
    shared.resetAfterCommit = true;
    const res = await post(`${lb.url}/api/rooms`, { name: "general" }, { "idempotency-key": "key-1" });
    expect(shared.resets).toBe(1);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 1 });
    expect(shared.stored).toHaveLength(1);
  });

  it("retries a message POST with a clientId (the store dedupes by it)", async () => {
    const { shared, lb } = await committingWorkers();
    shared.resetAfterCommit = true;
    const res = await post(`${lb.url}/api/rooms/r1/messages`, { body: "hi", clientId: "c1" });
    expect(shared.resets).toBe(1);
    expect(res.status).toBe(201);
  });

  it("retries any request, a plain POST included, when its fresh connection was refused: nothing reached a worker", async () => {
    const { shared, lb } = await committingWorkers();
    const gone = createServer();
    const goneUrl = await listen(gone);
    gone.closeAllConnections();
    await new Promise((r) => gone.close(r));
    const two = await balancerFor([goneUrl, ...lb.pool.all().map((w) => w.url)]);
    for (let i = 1; i <= 10; i++) {
      const res = await post(`${two.url}/api/rooms`, { name: `room-${i}` }, { "x-forwarded-for": `10.0.0.${i}` });
      expect(res.status).toBe(201);
    }
    expect(shared.stored).toHaveLength(10);
    expect(two.pool.get(goneUrl)!.healthy).toBe(false);
  });
});
