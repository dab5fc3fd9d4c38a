import type { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE, requireMetricsToken } from "@parley/common";
import type { AppEnv } from "./http/context.ts";

/**
 * What the core counts, one call at each place it happens. The port keeps prom-client (Node-only)
 * out of the core and so out of the workerd bundle: the Node worker passes a registry
 * (node/prometheus-metrics.ts), everything else the free `noMetrics`.
 */
export interface Metrics {
  /** A message this worker committed (an idempotent replay stores nothing and is not counted). */
  messageStored(): void;
  /**
   * Message frames sent to this worker's subscribers. With the message's `createdAt` (stamped by the
   * sending worker before its insert) a live delivery is also timed: store, bus and queue together.
   */
  delivered(frames: number, createdAt?: string): void;
  /** From a WebSocket `message` frame's turn on its connection to its `ack`, in milliseconds. */
  sendAcked(ms: number): void;
  /** Messages read from the store because the bus skipped their seqs. */
  gapFilled(messages: number): void;
  /** A call to PostgreSQL or Redis that failed, or ran out of time. */
  dependencyFailed(dependency: "database" | "redis", timedOut: boolean): void;
  /** A request or frame refused with `rate_limited`. */
  rateLimited(via: "http" | "ws"): void;
  /** The Prometheus text exposition; absent where nothing is collected, and then `/metrics` answers 404. */
  scrape?(): Promise<string>;
}

const nothing = () => {};

/** Counts nothing: for tests, the edge runtime, and any app built without a registry. */
export const noMetrics: Metrics = {
  messageStored: nothing,
  delivered: nothing,
  sendAcked: nothing,
  gapFilled: nothing,
  dependencyFailed: nothing,
  rateLimited: nothing,
};

/** `GET /metrics`: the registry's exposition for `Authorization: Bearer <METRICS_TOKEN>`; 404 while off. */
export function registerMetricsRoute(app: Hono<AppEnv>, deps: { metrics: Metrics; token: string | undefined }) {
  const { metrics } = deps;
  app.get("/metrics", async (c) => {
    requireMetricsToken(metrics.scrape ? deps.token : undefined, c.req.header("authorization"));
    return c.body(await metrics.scrape!(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
  });
}
