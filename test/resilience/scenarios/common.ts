import { checkRun, violations, type RunSummary } from "../checker.ts";
import type { StoredMessage } from "../cluster.ts";
import { ChaosLoad, Cluster, sleep, type ChaosClient, type ClusterOptions } from "../harness.ts";

/** How big and long a run is: the short sizes run in CI, the long ones by hand. */
export interface Sizes {
  users: number;
  rooms: number;
  roomsPerUser: number;
  ratePerUser: number;
  /** Load before the fault, the fault itself (outages), and load after it. */
  warmupMs: number;
  faultMs: number;
  afterMs: number;
  /** How long clients may take to get every ack and every message after the load stops. */
  settleMs: number;
  fuzzRuns: number;
}

export const SHORT: Sizes = {
  users: 24,
  rooms: 6,
  roomsPerUser: 3,
  ratePerUser: 2,
  warmupMs: 2500,
  faultMs: 5000,
  afterMs: 2500,
  settleMs: 20_000,
  fuzzRuns: 10_000,
};
export const LONG: Sizes = {
  users: 60,
  rooms: 12,
  roomsPerUser: 3,
  ratePerUser: 3,
  warmupMs: 15_000,
  faultMs: 10_000,
  afterMs: 15_000,
  settleMs: 60_000,
  fuzzRuns: 50_000,
};

/** One scenario's outcome: the checker's counts, what the scenario measured, and what went wrong. */
export interface ScenarioResult {
  summary: RunSummary;
  notes: Record<string, unknown>;
  /** Broken guarantees and failed scenario checks; empty when the scenario passed. */
  failures: string[];
  durationMs: number;
}

export interface FaultContext {
  cluster: Cluster;
  load: ChaosLoad;
  sizes: Sizes;
  notes: Record<string, unknown>;
  /** Records a failed scenario-specific check. */
  fail(message: string): void;
  /** Clients the scenario added beside the load's (their logs are checked too). */
  extraClients: ChaosClient[];
}

/**
 * The shape of every chaos scenario: a fresh cluster, the load, the fault mid-run, the load stopped,
 * a settle, a final resume with afterSeq for every client, then the checker against the database.
 */
export async function chaosRun(
  name: string,
  sizes: Sizes,
  /** Injects the fault; may return a check to run against the stored messages at the end. */
  fault: (ctx: FaultContext) => Promise<void | ((stored: StoredMessage[]) => void)>,
  options: ClusterOptions & { expectDead?: number[] } = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const cluster = await Cluster.start(options);
  const clusterStartMs = Date.now() - started;
  const load = new ChaosLoad(cluster, sizes);
  const failures: string[] = [];
  const ctx: FaultContext = { cluster, load, sizes, notes: {}, fail: (m) => failures.push(m), extraClients: [] };
  try {
    await load.setup();
    Object.assign(ctx.notes, { clusterStartMs, setupMs: Date.now() - started - clusterStartMs });
    load.start();
    await sleep(sizes.warmupMs);
    const verify = await fault(ctx);
    await sleep(sizes.afterMs);
    load.stopSending();
    const everyone = [...load.clients, ...ctx.extraClients];
    const settleStart = Date.now();
    if (!(await load.settle(sizes.settleMs, everyone))) failures.push("did not settle: some client has unacked messages or is behind");
    ctx.notes.settleMs = Date.now() - settleStart;
    if (!(await load.finalResume(sizes.settleMs, everyone))) failures.push("did not settle after the final resume");
    const stored = await cluster.storedState();
    const summary = checkRun(
      name,
      everyone.map((c) => c.log),
      stored,
    );
    failures.unshift(...violations(summary));
    if (verify) verify(stored.messages);
    if (summary.acked === 0) failures.push("no message was acknowledged: the load did not run");
    if (summary.changesAccepted === 0) failures.push("no edit, deletion or reaction was accepted: the load made no changes");
    const dead = cluster.workers.map((w, i) => (w && w.child.exitCode !== null ? i : -1)).filter((i) => i >= 0 && !(options.expectDead ?? []).includes(i));
    if (dead.length || cluster.lb.child.exitCode !== null)
      failures.push(`a process died unexpectedly: workers ${dead.join(",")} lb ${cluster.lb.child.exitCode}`);
    if (summary.errors.internal) failures.push(`${summary.errors.internal} internal errors`);
    if (failures.length) ctx.notes.output = tail(cluster.output(), 4000);
    return { summary, notes: ctx.notes, failures, durationMs: Date.now() - started };
  } finally {
    load.stop();
    for (const c of ctx.extraClients) c.stop();
    await cluster.stop();
  }
}

/** The worker index most load clients are connected to now. */
export function busiestWorker(cluster: Cluster, clients: ChaosClient[]): number {
  const counts = new Map<string, number>();
  for (const c of clients) {
    const worker = c.log.connects.at(-1)?.worker;
    if (worker) counts.set(worker, (counts.get(worker) ?? 0) + 1);
  }
  const [worker] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ["rw1"];
  return cluster.workers.findIndex((_, i) => cluster.workerId(i) === worker);
}

/** Waits until every client has seen each room's newest seq as of now; the time it took, or undefined. */
export async function catchUpMs(cluster: Cluster, clients: ChaosClient[], timeoutMs: number): Promise<number | undefined> {
  const start = Date.now();
  const target = await cluster.lastSeqs();
  while (Date.now() - start < timeoutMs) {
    if (clients.every((c) => c.rooms.every((r) => (c.seen(r) ?? 0) >= (target.get(r) ?? 0)))) return Date.now() - start;
    await sleep(50);
  }
  return undefined;
}

export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const tail = (text: string, chars: number) => (text.length > chars ? text.slice(-chars) : text);
