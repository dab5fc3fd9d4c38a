/**
 * Bench "http": what one Parley worker costs per HTTP request against bare `node:http` answering
 * the same bytes (bench/baselines/http-server.ts). Two routes: GET /healthz (Hono and the worker's
 * middleware only) and GET /api/me with a bearer token (JWT verification plus one PostgreSQL read:
 * the cheapest route that does what most routes do). Informational: the issue sets no goal here.
 */
import { ApiClient } from "../test/support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { startHttpBaseline, type HttpBaseline } from "./baselines/http-server.ts";
import { httpLoad, interleaved } from "./lib/load.ts";
import { figure, type Bench, type Figure } from "./lib/report.ts";

/** Closed loops for the throughput runs: enough to keep one server core busy. */
const CONNECTIONS = 16;

export const run: Bench = async (options) => {
  const rounds = options.quick ? 1 : 3;
  const seconds = options.quick ? 1 : 5;
  const warm = options.quick ? 0.5 : 1;
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  let worker: WorkerProcess | undefined;
  let baseline: HttpBaseline | undefined;
  try {
    worker = await startWorkerProcess({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: testSecret(),
      WORKER_ID: "w1",
      LOG_LEVEL: "warn",
      CPUS: options.serverCpus,
    });
    const api = new ApiClient(worker.url);
    await api.register(uniqueName("bench"));
    const me = await api.request("GET", "/api/me");
    baseline = await startHttpBaseline({ "/api/me": me.text }, options.serverCpus);

    const headers = { authorization: `Bearer ${api.token}` };
    const routes = [
      { id: "healthz", label: "GET /healthz", path: "/healthz" },
      { id: "me", label: "GET /api/me", path: "/api/me" },
    ];
    const figures: Figure[] = [];
    const details: Record<string, unknown> = {};
    for (const route of routes) {
      const target = (base: string, connections: number) => (s: number) =>
        httpLoad({ url: base + route.path, headers, connections, seconds: s }, options.clientCpus);
      // Throughput and tail under saturation; p50 with one connection, where it is the request's own latency, not queueing.
      const loaded = await interleaved({ parley: target(worker.url, CONNECTIONS), node: target(baseline.url, CONNECTIONS) }, rounds, seconds, warm);
      const single = await interleaved({ parley: target(worker.url, 1), node: target(baseline.url, 1) }, rounds, seconds, 0);
      const note = loaded.parley.errors || loaded.node.errors ? `errors: parley ${loaded.parley.errors}, node:http ${loaded.node.errors}` : undefined;
      const base = { baselineLabel: "bare node:http", note };
      figures.push(
        figure({
          id: `http.${route.id}.rps`,
          label: `${route.label} req/s (${CONNECTIONS} connections)`,
          unit: "req/s",
          better: "higher",
          ours: loaded.parley.rps,
          baseline: loaded.node.rps,
          ...base,
        }),
        figure({
          id: `http.${route.id}.p50`,
          label: `${route.label} p50 (1 connection)`,
          unit: "ms",
          better: "lower",
          ours: single.parley.latency.p50,
          baseline: single.node.latency.p50,
          ...base,
        }),
        figure({
          id: `http.${route.id}.p99`,
          label: `${route.label} p99 (${CONNECTIONS} connections)`,
          unit: "ms",
          better: "lower",
          ours: loaded.parley.latency.p99,
          baseline: loaded.node.latency.p99,
          ...base,
        }),
      );
      details[route.id] = { loaded, single };
    }
    return {
      id: "http",
      title: "HTTP: a Parley worker vs bare node:http",
      method:
        `autocannon in its own process on CPUs ${options.clientCpus}; the worker and the node:http baseline (same body and headers, answered from memory) each alone on CPUs ${options.serverCpus}. ` +
        `req/s and p99 with ${CONNECTIONS} keep-alive connections, p50 with one; ${rounds} interleaved round(s) of ${seconds} s after a ${warm} s warm-up, medians. /api/me includes a PostgreSQL read (PostgreSQL itself is not pinned).`,
      figures,
      charts: [
        {
          title: `req/s, ${CONNECTIONS} connections`,
          unit: "req/s",
          labels: routes.map((r) => r.label),
          series: [
            { name: "Parley worker", values: routes.map((r) => figures.find((f) => f.id === `http.${r.id}.rps`)!.ours) },
            { name: "bare node:http", values: routes.map((r) => figures.find((f) => f.id === `http.${r.id}.rps`)!.baseline!) },
          ],
        },
      ],
      details: { connections: CONNECTIONS, rounds, seconds, ...details },
    };
  } finally {
    await baseline?.stop();
    await worker?.stop();
    await database.drop();
    await deleteRedisKeys(prefix);
  }
};
