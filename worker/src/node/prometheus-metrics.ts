import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics } from "../metrics.ts";

/** Seconds: from a millisecond on a quiet loopback to the 10 s past which a client has long retried. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What a scrape reads off the running app rather than counting as it happens. */
export interface LiveState {
  connections(): number;
  hub: { stats(): { rooms: number; subscriptions: number } };
}

/**
 * The Node worker's metrics in a prom-client registry of its own (never the library's global one,
 * so workers started in one test process do not share counts), with prom-client's process and
 * Node.js metrics under their standard names. Gauges of live state are read at scrape time.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private live?: LiveState;
  private readonly stored = this.counter("parley_messages_stored_total", "Messages this worker stored (sent by its clients).");
  private readonly deliveredFrames = this.counter("parley_messages_delivered_total", "Message frames sent to this worker's subscribers.");
  private readonly filled = this.counter("parley_bus_gap_messages_filled_total", "Messages read from the database because the bus skipped their seqs.");
  private readonly sweeps = this.counter("parley_presence_sweeps_total", "Sweeps of dead workers' presence, by outcome.", ["outcome"]);
  private readonly failures = this.counter("parley_dependency_errors_total", "Failed calls to PostgreSQL or Redis, by dependency and kind (error, timeout).", [
    "dependency",
    "kind",
  ]);
  private readonly refusals = this.counter("parley_rate_limited_total", "Requests (http) and frames (ws) refused with rate_limited.", ["via"]);
  private readonly ackLatency = this.histogram(
    "parley_send_ack_seconds",
    "From a WebSocket message frame's turn on its connection to its ack (the store's commit included).",
  );
  private readonly fanOutLatency = this.histogram("parley_fanout_seconds", "From a message's createdAt on the sending worker to its delivery here.");

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.gauge("parley_connections", "Open WebSocket connections on this worker.", (live) => live.connections());
    this.gauge("parley_subscriptions", "Room subscriptions of this worker's connections.", (live) => live.hub.stats().subscriptions);
    this.gauge("parley_rooms_active", "Rooms with a subscriber or work under way on this worker.", (live) => live.hub.stats().rooms);
  }

  /** Reads connections and subscriptions off the app at every scrape. */
  watch(live: LiveState): void {
    this.live = live;
  }

  messageStored() {
    this.stored.inc();
  }
  delivered(frames: number, createdAt?: string) {
    if (frames === 0) return;
    this.deliveredFrames.inc(frames);
    if (createdAt !== undefined) this.fanOutLatency.observe(Math.max(0, Date.now() - Date.parse(createdAt)) / 1000);
  }
  sendAcked(ms: number) {
    this.ackLatency.observe(ms / 1000);
  }
  gapFilled(messages: number) {
    if (messages > 0) this.filled.inc(messages);
  }
  dependencyFailed(dependency: "database" | "redis", timedOut: boolean) {
    this.failures.inc({ dependency, kind: timedOut ? "timeout" : "error" });
  }
  rateLimited(via: "http" | "ws") {
    this.refusals.inc({ via });
  }
  /** One presence sweep, as the maintenance loop saw it end. */
  presenceSwept(ok: boolean) {
    this.sweeps.inc({ outcome: ok ? "ok" : "failed" });
  }
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  private counter(name: string, help: string, labelNames: string[] = []) {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
  private gauge(name: string, help: string, read: (live: LiveState) => number) {
    const gauge: Gauge = new Gauge({
      name,
      help,
      registers: [this.registry],
      collect: () => {
        if (this.live) gauge.set(read(this.live));
      },
    });
  }
  private histogram(name: string, help: string) {
    return new Histogram({ name, help, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }
}
