import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { WorkerPool } from "./worker-pool.ts";

/** The balancer's own refusals, by the bucket that refused. */
export type RateLimit = "ip" | "user" | "upgrade" | "upgradeAddress";

/**
 * What the balancer's hot path counts: plain numbers, bumped with `++` at each call site, so a
 * request allocates nothing for them (prom-client's `inc` builds a label object per call). The
 * registry (`createBalancerRegistry`) reads them at scrape time; without one they cost a field each.
 */
export class BalancerCounts {
  readonly rateLimited: Record<RateLimit, number> = { ip: 0, user: 0, upgrade: 0, upgradeAddress: 0 };
  readonly redisFailures = { error: 0, timeout: 0 };

  /** A rate-limiter call to Redis that failed; ioredis gives up after its retries (MaxRetriesPerRequestError) or its timeout. */
  redisFailed(error: unknown): void {
    const { name = "", message = "" } = (error ?? {}) as { name?: string; message?: string };
    this.redisFailures[name === "MaxRetriesPerRequestError" || /timed? ?out|timeout/i.test(message) ? "timeout" : "error"]++;
  }
}

/** prom-client's label for each limit, as the docs and dashboards name it. */
const LIMIT_LABELS: Record<RateLimit, string> = { ip: "ip", user: "user", upgrade: "upgrade", upgradeAddress: "upgrade_address" };

/**
 * The balancer's registry: the counts above, the ring and each worker's health and load read off
 * the pool at every scrape (a removed worker's series disappear with it), and prom-client's process
 * and Node.js metrics under their standard names.
 */
export function createBalancerRegistry(counts: BalancerCounts, pool: WorkerPool): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const perWorker = (name: string, help: string, read: (w: ReturnType<WorkerPool["all"]>[number], share: number) => number) => {
    const gauge: Gauge = new Gauge({
      name,
      help,
      labelNames: ["worker"],
      registers,
      collect: () => {
        gauge.reset();
        const shares = pool.ring.shares();
        for (const w of pool.all()) gauge.set({ worker: w.url }, read(w, shares.get(w.url) ?? 0));
      },
    });
  };
  const fromCounts = (name: string, help: string, label: string, read: () => Record<string, number>) => {
    const counter: Counter = new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect: () => {
        counter.reset();
        for (const [key, value] of Object.entries(read())) counter.inc({ [label]: key }, value);
      },
    });
  };
  const ringWorkers: Gauge = new Gauge({
    name: "parley_lb_ring_workers",
    help: "Workers on the balancer's hash ring, healthy or not.",
    registers,
    collect: () => ringWorkers.set(pool.ring.workers.length),
  });
  perWorker("parley_lb_worker_healthy", "1 while the worker is in rotation (its /readyz answers 200).", (w) => Number(w.healthy));
  perWorker("parley_lb_worker_alive", "1 while the worker answers its health checks at all.", (w) => Number(w.alive));
  perWorker("parley_lb_worker_draining", "1 while the worker reports it is draining.", (w) => Number(w.draining));
  perWorker("parley_lb_worker_ring_share", "The share of the hash ring the worker owns (0 to 1).", (_, share) => share);
  perWorker("parley_lb_websockets", "WebSocket tunnels open to the worker.", (w) => w.webSockets);
  perWorker("parley_lb_http_in_flight", "HTTP requests the worker is answering.", (w) => w.httpInFlight);
  fromCounts("parley_lb_routed_total", "Requests and WebSockets the balancer sent to the worker.", "worker", () =>
    Object.fromEntries(pool.all().map((w) => [w.url, w.routed])),
  );
  fromCounts("parley_lb_rate_limited_total", "Requests and upgrades the balancer refused with 429, by limit.", "limit", () =>
    Object.fromEntries(Object.entries(counts.rateLimited).map(([limit, n]) => [LIMIT_LABELS[limit as RateLimit], n])),
  );
  fromCounts("parley_lb_redis_errors_total", "Rate-limiter calls to Redis that failed, by kind (error, timeout).", "kind", () => counts.redisFailures);
  return registry;
}
