/**
 * Bench "lb": what the balancer's hop costs, against going straight to the user's worker, and
 * against nginx doing the same hop (bench/baselines/nginx.ts; skipped with a note when nginx is
 * not installed). HTTP: GET /api/me with a bearer token, req/s and p99 with 16 keep-alive
 * connections, p50 with one. WebSocket: sequential ping → pong round trips on one socket.
 *
 * CPU layout: every server process (three workers, the balancer, nginx) shares the server CPUs,
 * and the direct runs get those same CPUs. The hop is a cost paid on the same machine, so the
 * balancer's CPU comes out of the worker's budget; giving it cores of its own would hide exactly
 * the cost this bench is after.
 */
import { ApiClient } from "../test/support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../test/support/services.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { haveNginx, startNginx, type NginxProcess } from "./baselines/nginx.ts";
import { httpLoad, interleaved, withCpu, wsPings } from "./lib/load.ts";
import { figure, type Bench, type Figure, type Latency } from "./lib/report.ts";

const CONNECTIONS = 16;

export const run: Bench = async (options) => {
  const rounds = options.quick ? 1 : 3;
  const seconds = options.quick ? 1 : 5;
  const warm = options.quick ? 0.5 : 1;
  const pings = options.quick ? 200 : 2000;
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  const processes: Array<{ stop(): Promise<unknown> }> = [];
  try {
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: testSecret(),
      LOG_LEVEL: "warn",
      CPUS: options.serverCpus,
    };
    const workers = await Promise.all(
      [1, 2, 3].map((i) => startWorkerProcess({ ...shared, WORKER_ID: `w${i}`, TRUSTED_PROXIES: "127.0.0.1", FRAME_RATE: "1000000/60s" })),
    );
    processes.push(...workers);
    const lb: WorkerProcess = await startBalancerProcess(
      workers.map((w) => w.url),
      { ...shared, LB_IP_RATE: "100000000/60s", LB_USER_RATE: "100000000/60s" },
    );
    processes.push(lb);
    const nginx: NginxProcess | undefined = haveNginx()
      ? await startNginx(
          workers.map((w) => w.url),
          options.serverCpus,
        )
      : undefined;
    if (nginx) processes.push(nginx);

    const api = new ApiClient(lb.url);
    await api.register(uniqueName("bench"));
    const home = (await api.request("GET", "/api/me")).headers.get("x-served-by")!;
    const worker = workers[Number(home.slice(1)) - 1]!;
    const targets: Record<string, string> = { direct: worker.url, lb: lb.url, ...(nginx ? { nginx: nginx.url } : {}) };

    const headers = { authorization: `Bearer ${api.token}` };
    // Server CPU per request of whatever a target's requests pass through.
    const pids: Record<string, () => number[]> = {
      worker: () => [worker.child.pid!],
      lb: () => [lb.child.pid!],
      ...(nginx ? { nginx: () => nginx.pids() } : {}),
    };
    const path: Record<string, string[]> = { direct: ["worker"], lb: ["worker", "lb"], nginx: ["worker", "nginx"] };
    const load = (connections: number) =>
      Object.fromEntries(
        Object.entries(targets).map(([name, base]) => [
          name,
          withCpu(Object.fromEntries(path[name]!.map((p) => [p, pids[p]!])), (s: number) =>
            httpLoad({ url: `${base}/api/me`, headers, connections, seconds: s }, options.clientCpus),
          ),
        ]),
      );
    const loaded = await interleaved(load(CONNECTIONS), rounds, seconds, warm);
    const single = await interleaved(load(1), rounds, seconds, 0);
    const ws: Record<string, Latency[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, base] of Object.entries(targets)) {
        ws[name]!.push(
          await wsPings(
            { url: `${base.replace(/^http/, "ws")}/ws`, protocols: ["parley.v1", `bearer.${api.token}`], pings: Math.ceil(pings / rounds) },
            options.clientCpus,
          ),
        );
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const rtt = (name: string, p: "p50" | "p99") => median(ws[name]!.map((l) => l[p]));

    const errors = Object.entries(loaded)
      .map(([name, r]) => (r.errors ? `${name} ${r.errors}` : ""))
      .filter(Boolean)
      .join(", ");
    const note = errors ? `errors: ${errors}` : undefined;
    const direct = { baselineLabel: "straight to the worker", note };
    const added = single.lb!.latency.p50 - single.direct!.latency.p50;
    const figures: Figure[] = [
      figure({
        id: "lb.http.rps",
        label: `GET /api/me req/s (${CONNECTIONS} connections)`,
        unit: "req/s",
        better: "higher",
        ours: loaded.lb!.rps,
        baseline: loaded.direct!.rps,
        ...direct,
        goal: { ratio: { op: ">=", value: 0.7 }, text: "≥ 0.7× direct" },
      }),
      figure({
        id: "lb.http.p50.added",
        label: "added p50, GET /api/me (1 connection)",
        unit: "ms",
        better: "lower",
        ours: added,
        baseline: null,
        note: `p50 ${single.lb!.latency.p50} ms through the balancer, ${single.direct!.latency.p50} ms direct`,
        goal: { value: { op: "<", value: 1 }, text: "< 1 ms" },
      }),
      figure({
        id: "lb.http.p99",
        label: `GET /api/me p99 (${CONNECTIONS} connections)`,
        unit: "ms",
        better: "lower",
        ours: loaded.lb!.latency.p99,
        baseline: loaded.direct!.latency.p99,
        ...direct,
      }),
      figure({
        id: "lb.http.cpu",
        label: "balancer CPU per request ÷ worker's",
        unit: "µs",
        better: "lower",
        ours: loaded.lb!.cpu?.lb ?? NaN,
        baseline: loaded.lb!.cpu?.worker ?? null,
        baselineLabel: "the worker's, same requests",
        note: "user + system time from /proc, 16 connections; on a dedicated core the hop's req/s ratio would be about worker ÷ (worker + balancer)",
      }),
      figure({
        id: "lb.ws.p50",
        label: "WebSocket ping RTT p50",
        unit: "ms",
        better: "lower",
        ours: rtt("lb", "p50"),
        baseline: rtt("direct", "p50"),
        ...direct,
      }),
      figure({
        id: "lb.ws.p99",
        label: "WebSocket ping RTT p99",
        unit: "ms",
        better: "lower",
        ours: rtt("lb", "p99"),
        baseline: rtt("direct", "p99"),
        ...direct,
      }),
    ];
    if (nginx) {
      const peer = { baselineLabel: "nginx" };
      const nginxAdded = single.nginx!.latency.p50 - single.direct!.latency.p50;
      figures.push(
        figure({
          id: "lb.nginx.rps",
          label: `req/s vs nginx (${CONNECTIONS} connections)`,
          unit: "req/s",
          better: "higher",
          ours: loaded.lb!.rps,
          baseline: loaded.nginx!.rps,
          ...peer,
        }),
        figure({
          id: "lb.nginx.cpu",
          label: "CPU per request vs nginx's",
          unit: "µs",
          better: "lower",
          ours: loaded.lb!.cpu?.lb ?? NaN,
          baseline: loaded.nginx!.cpu?.nginx ?? null,
          ...peer,
        }),
        figure({
          id: "lb.nginx.p50.added",
          label: "added p50 vs nginx's (1 connection)",
          unit: "ms",
          better: "lower",
          ours: added,
          baseline: nginxAdded,
          ...peer,
          note: "a ratio of small differences: read the raw values",
        }),
        figure({
          id: "lb.nginx.ws.p50",
          label: "WebSocket ping RTT p50 vs nginx",
          unit: "ms",
          better: "lower",
          ours: rtt("lb", "p50"),
          baseline: rtt("nginx", "p50"),
          ...peer,
        }),
        figure({
          id: "lb.nginx.ws.p99",
          label: "WebSocket ping RTT p99 vs nginx",
          unit: "ms",
          better: "lower",
          ours: rtt("lb", "p99"),
          baseline: rtt("nginx", "p99"),
          ...peer,
        }),
      );
    }
    const names = Object.keys(targets);
    return {
      id: "lb",
      title: "Balancer hop: lb/ vs straight to the worker vs nginx",
      method:
        `autocannon in its own process on CPUs ${options.clientCpus}; three workers, the balancer and nginx all on CPUs ${options.serverCpus}, direct runs on the same CPUs (the hop's CPU comes out of the worker's budget). ` +
        `GET /api/me: req/s and p99 with ${CONNECTIONS} connections, p50 with one; ${rounds} interleaved round(s) of ${seconds} s after a ${warm} s warm-up, medians. ` +
        `WebSocket: ${pings} sequential pings over one socket per target. nginx hashes the bearer token (it cannot read a JWT) and rate-limits nothing; ours verifies the token and takes Redis token buckets.` +
        (nginx ? "" : " nginx is not installed: its figures are skipped."),
      figures,
      charts: [
        {
          title: `GET /api/me req/s, ${CONNECTIONS} connections`,
          unit: "req/s",
          labels: ["req/s"],
          series: names.map((n) => ({ name: n, values: [loaded[n]!.rps] })),
        },
        { title: "WebSocket ping RTT", unit: "ms", labels: ["p50", "p99"], series: names.map((n) => ({ name: n, values: [rtt(n, "p50"), rtt(n, "p99")] })) },
      ],
      details: { connections: CONNECTIONS, rounds, seconds, pings, nginx: Boolean(nginx), loaded, single, ws },
    };
  } finally {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await database.drop();
    await deleteRedisKeys(prefix);
  }
};
