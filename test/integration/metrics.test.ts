import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balancerFor, closeAll } from "../../lb/src/test-fixtures.ts";
import { ApiClient } from "../support/client.ts";
import { Hono } from "hono";
import { toApiError } from "@parley/common";
import type { AppEnv } from "../../worker/src/http/context.ts";
import { noMetrics, registerMetricsRoute, type Metrics } from "../../worker/src/metrics.ts";
import { PrometheusMetrics } from "../../worker/src/node/prometheus-metrics.ts";
import { parsePrometheusText, type Exposition } from "../support/prometheus-text.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

const TOKEN = "metrics-token-0123456789";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /metrics with the token, parsed (and so checked) as Prometheus text. */
async function scrape(url: string): Promise<Exposition> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(await res.text());
}

/** How much each named series moved between two scrapes (a series absent before counts from 0). */
const moved = (before: Exposition, after: Exposition, name: string, labels?: Record<string, string>) =>
  (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

/** Every `parley_` family has help text, and the process metrics are there under their standard names. */
function expectNamedAndHelped(metrics: Exposition, own: string[]) {
  for (const name of own) {
    expect(metrics.types.has(name), `${name} is exported`).toBe(true);
    expect(metrics.help.get(name), `${name} has help`).toMatch(/\w{3}/);
  }
  for (const name of metrics.types.keys()) if (name.startsWith("parley_")) expect(metrics.help.get(name)).toBeTruthy();
  expect(metrics.types.get("process_cpu_seconds_total")).toBe("counter");
  expect(metrics.types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
}

describe("GET /metrics on a worker and on the balancer, after real traffic", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let shared: Record<string, string>;
  let worker: WorkerProcess;
  let lb: WorkerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    shared = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), JWT_SECRET: testSecret(), METRICS_TOKEN: TOKEN };
    // Bursts of a sixth: 3 messages per user, then 429 for 4 minutes; 1 room per user, 2 requests per address at the balancer.
    worker = await startWorkerProcess({ ...shared, TRUSTED_PROXIES: "127.0.0.1", MESSAGE_RATE: "18/3600s", ROOM_RATE: "6/3600s" });
    lb = await startBalancerProcess([worker.url], { ...shared, LB_IP_RATE: "12/3600s" });
  }, 180_000); // two processes starting on a loaded 2-core machine
  afterAll(async () => {
    await Promise.all([lb?.stop(), worker?.stop()]);
    await database?.drop();
    if (shared) await deleteRedisKeys(shared.REDIS_PREFIX!);
  });

  it("refuses a scrape without the token or with another one (401)", async () => {
    for (const url of [worker.url, lb.url]) {
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } })).status).toBe(401);
    }
  });

  it("counts a worker's messages, deliveries, latencies, refusals and live sockets", async () => {
    const before = await scrape(worker.url);
    const alice = new ApiClient(worker.url);
    const bob = new ApiClient(worker.url);
    await alice.register(uniqueName("alice"));
    await bob.register(uniqueName("bob"));
    const room = await alice.createRoom(uniqueName("room"));
    expect((await alice.request("POST", "/api/rooms", { name: uniqueName("room") })).status).toBe(429);
    await bob.join(room.id);
    const listener = await bob.socket();
    await listener.subscribe(room.id);
    const sender = await alice.socket();
    for (let i = 0; i < 3; i++) await sender.sendMessage(room.id, `hello ${i}`, `c${i}`);
    await expect(sender.sendMessage(room.id, "one too many", "c3")).rejects.toThrow(/rate_limited/);
    await listener.waitForMessages(room.id, 3);
    const after = await scrape(worker.url);

    expectNamedAndHelped(after, [
      "parley_connections",
      "parley_subscriptions",
      "parley_messages_stored_total",
      "parley_messages_delivered_total",
      "parley_send_ack_seconds",
      "parley_fanout_seconds",
      "parley_bus_gap_messages_filled_total",
      "parley_presence_sweeps_total",
      "parley_dependency_errors_total",
      "parley_rate_limited_total",
    ]);
    expect(after.types.get("parley_send_ack_seconds")).toBe("histogram");
    expect(moved(before, after, "parley_messages_stored_total")).toBe(3);
    expect(moved(before, after, "parley_messages_delivered_total")).toBe(3);
    expect(moved(before, after, "parley_send_ack_seconds_count")).toBe(3);
    expect(moved(before, after, "parley_fanout_seconds_count")).toBe(3);
    expect(moved(before, after, "parley_rate_limited_total", { via: "http" })).toBe(1);
    expect(moved(before, after, "parley_rate_limited_total", { via: "ws" })).toBe(1);
    expect(after.value("parley_connections")).toBe(2);
    expect(after.value("parley_subscriptions")).toBe(1);
    expect(moved(before, after, "parley_bus_gap_messages_filled_total")).toBe(0);
    expect(after.samples.filter((s) => s.name === "parley_dependency_errors_total").map((s) => s.value)).toEqual([]);

    await Promise.all([listener.close(), sender.close()]);
    // The maintenance loop sweeps presence every 5 s, and closed sockets leave the hub asynchronously: wait for both.
    let later = await scrape(worker.url);
    for (let tries = 0; tries < 100; tries++, await sleep(200), later = await scrape(worker.url)) {
      if ((later.value("parley_presence_sweeps_total", { outcome: "ok" }) ?? 0) > 0 && later.value("parley_connections") === 0) break;
    }
    expect(later.value("parley_presence_sweeps_total", { outcome: "ok" })).toBeGreaterThan(0);
    expect(later.value("parley_presence_sweeps_total", { outcome: "failed" }) ?? 0).toBe(0);
    expect(later.value("parley_connections")).toBe(0);
    expect(later.value("parley_subscriptions")).toBe(0);
  });

  it("counts the balancer's refusals, routing and tunnels, and answers /metrics itself", async () => {
    const before = await scrape(lb.url);
    const statuses: number[] = [];
    // A proxied path (the balancer answers /readyz itself, unlimited): the worker refuses the missing token, then the balancer refuses the address.
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${lb.url}/api/me`)).status);
    expect(statuses).toEqual([401, 401, 429, 429]);
    const carol = new ApiClient(worker.url);
    await carol.register(uniqueName("carol"));
    const socket = await new ApiClient(lb.url, carol.token).socket();
    const after = await scrape(lb.url);

    expectNamedAndHelped(after, [
      "parley_lb_ring_workers",
      "parley_lb_worker_healthy",
      "parley_lb_worker_ring_share",
      "parley_lb_websockets",
      "parley_lb_routed_total",
      "parley_lb_rate_limited_total",
      "parley_lb_redis_errors_total",
    ]);
    const of = { worker: worker.url };
    expect(moved(before, after, "parley_lb_rate_limited_total", { limit: "ip" })).toBe(2);
    expect(moved(before, after, "parley_lb_rate_limited_total", { limit: "user" })).toBe(0);
    expect(moved(before, after, "parley_lb_routed_total", of)).toBe(3);
    expect(after.value("parley_lb_websockets", of)).toBe(1);
    expect(after.value("parley_lb_worker_healthy", of)).toBe(1);
    expect(after.value("parley_lb_worker_ring_share", of)).toBeCloseTo(1, 6);
    expect(after.value("parley_lb_ring_workers")).toBe(1);
    expect(after.value("parley_lb_redis_errors_total", { kind: "error" })).toBe(0);
    // The balancer's own metrics, never a worker's: the path is not proxied.
    expect(after.types.has("parley_messages_stored_total")).toBe(false);
    await socket.close();
  });
});

describe("GET /metrics while METRICS_TOKEN is unset", () => {
  afterAll(closeAll);

  it("is 404 on a worker and on the balancer, token or not", async () => {
    // A worker's route without a token, and with one but no registry (the edge runtime's case), behind the app's error funnel.
    const appWith = (metrics: Metrics, token: string | undefined) => {
      const app = new Hono<AppEnv>();
      app.onError((error, c) => c.json({ error: { code: toApiError(error).code } }, toApiError(error).status));
      registerMetricsRoute(app, { metrics, token });
      return app;
    };
    const [unset, edge] = [appWith(new PrometheusMetrics(), undefined), appWith(noMetrics, TOKEN)];
    const lb = await balancerFor(["http://127.0.0.1:9"]);
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of attempts) {
      for (const app of [unset, edge]) expect((await app.request("/metrics", { headers })).status).toBe(404);
      expect((await fetch(`${lb.url}/metrics`, { headers })).status).toBe(404);
    }
  });
});
