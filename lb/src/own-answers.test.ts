import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { balancerFor, closeAll, listen, rawExchange } from "./test-fixtures.ts";

afterEach(closeAll);

const ADMIN = "admin-secret-0123456789";

/** A stand-in worker that answers with the X-Request-Id it was given, in its body and its header, as workers do. */
async function echoWorker() {
  return listen(
    createServer((req, res) => {
      const requestId = req.headers["x-request-id"] as string;
      res.writeHead(200, { "content-type": "application/json", "x-request-id": requestId }).end(JSON.stringify({ requestId }));
    }),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("the balancer's own answers", () => {
  it("answers an absolute-form target that is no URL with 400 invalid_request, for HTTP and upgrades", async () => {
    const lb = await balancerFor([await echoWorker()]);
    for (const extra of ["", "Upgrade: websocket\r\nConnection: Upgrade\r\n"]) {
      const raw = await rawExchange(lb.url, `GET http://[ HTTP/1.1\r\nHost: lb\r\n${extra}Connection: close\r\n\r\n`, { untilMs: 2000 });
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect(raw.slice(raw.indexOf("\r\n\r\n") + 4)).toBe(
        JSON.stringify({ error: { code: "invalid_request", message: "the request target is not a valid URL" } }),
      );
    }
  });

  it("passes on an X-Request-Id a worker would accept, and replaces any other with a UUID", async () => {
    const lb = await balancerFor([await echoWorker()]);
    const sent = async (path: string, id: string) => {
      const res = await fetch(`${lb.url}${path}`, { headers: { "x-request-id": id } });
      return { header: res.headers.get("x-request-id")!, body: (await res.json()) as { requestId?: string } };
    };
    expect(await sent("/api/me", "trace-42")).toEqual({ header: "trace-42", body: { requestId: "trace-42" } });
    for (const bad of ["has space", "x".repeat(129), "é"]) {
      const proxied = await sent("/api/me", bad);
      expect(proxied.header).toMatch(UUID);
      expect(proxied.body.requestId).toBe(proxied.header);
      expect((await sent("/healthz", bad)).header).toMatch(UUID);
    }
    expect((await sent("/healthz", "trace-43")).header).toBe("trace-43");
  });

  it("shows everyone a summary of /lb/status, and the workers' details only with the admin secret", async () => {
    const worker = await echoWorker();
    const lb = await balancerFor([worker], { LB_ADMIN_SECRET: ADMIN });
    const status = (authorization?: string) => fetch(`${lb.url}/lb/status`, { headers: authorization ? { authorization } : {} });
    const open = await status();
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ workers: 1, healthy: 1, rateLimiter: "memory" });
    expect((await status("Bearer wrong-secret-00000000")).status).toBe(401);
    const admin = await status(`Bearer ${ADMIN}`);
    expect(await admin.json()).toMatchObject({ workers: 1, healthy: 1, boundC: 1.25, pool: [{ url: worker, healthy: true, lastError: null }] });
  });

  it("keeps the details private without an admin secret", async () => {
    const lb = await balancerFor([await echoWorker()]);
    const res = await fetch(`${lb.url}/lb/status`, { headers: { authorization: "Bearer anything" } });
    expect(await res.json()).toEqual({ workers: 1, healthy: 1, rateLimiter: "memory" });
  });

  it("answers /readyz itself: ready while a worker can take users, with where its rate limits are kept", async () => {
    const ready = await fetch(`${(await balancerFor([await echoWorker()])).url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get("x-served-by")).toBe("lb-test");
    expect(await ready.json()).toEqual({ ok: true, workers: 1, healthy: 1, rateLimiter: "memory" });
    const none = await fetch(`${(await balancerFor([])).url}/readyz`);
    expect(none.status).toBe(503);
    expect(await none.json()).toEqual({ error: { code: "unavailable", message: "no worker to route to" }, workers: 0, healthy: 0, rateLimiter: "memory" });
  });

  it("answers 400 to POST /lb/workers with a body that is not JSON", async () => {
    const lb = await balancerFor([await echoWorker()], { LB_ADMIN_SECRET: ADMIN });
    for (const body of ["not json", "null", "[1"]) {
      const res = await fetch(`${lb.url}/lb/workers`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });
});
