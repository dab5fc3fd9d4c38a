import { sleep, waitFor } from "../harness.ts";
import { busiestWorker, catchUpMs, chaosRun, percentile, type FaultContext, type ScenarioResult, type Sizes } from "./common.ts";

/** For each client closed after `since`: ms from its close to its next hello. */
function reconnectTimes(ctx: FaultContext, since: number): number[] {
  const times: number[] = [];
  for (const c of ctx.load.clients) {
    const close = c.log.closes.find((x) => x.t >= since);
    const hello = close && c.log.connects.find((x) => x.t >= close.t);
    if (close && hello) times.push(hello.t - close.t);
  }
  return times;
}

/** Kills the busiest worker with SIGKILL under load. */
export function sigkillWorker(sizes: Sizes): Promise<ScenarioResult> {
  let victim = -1;
  return chaosRun(
    "sigkill-worker",
    sizes,
    async (ctx) => {
      victim = busiestWorker(ctx.cluster, ctx.load.clients);
      const at = Date.now();
      await ctx.cluster.workers[victim]!.kill();
      await sleep(sizes.faultMs);
      const closed = ctx.load.clients.filter((c) => c.log.closes.some((x) => x.t >= at));
      const times = reconnectTimes(ctx, at);
      Object.assign(ctx.notes, {
        victim: ctx.cluster.workerId(victim),
        affectedClients: closed.length,
        closeCodes: codes(ctx, at),
        reconnectP95Ms: percentile(times, 95),
        reconnectMaxMs: Math.max(0, ...times),
      });
      if (closed.length === 0) ctx.fail("no client was connected to the killed worker");
      if (times.length < closed.length) ctx.fail(`${closed.length - times.length} affected clients had not reconnected ${sizes.faultMs} ms after the kill`);
    },
    {
      get expectDead() {
        return [victim];
      },
    },
  );
}

/** SIGTERM: the busiest worker drains (1001 with advice) and exits. */
export function sigtermWorker(sizes: Sizes): Promise<ScenarioResult> {
  let victim = -1;
  return chaosRun(
    "sigterm-worker",
    sizes,
    async (ctx) => {
      victim = busiestWorker(ctx.cluster, ctx.load.clients);
      const worker = ctx.cluster.workers[victim]!;
      const at = Date.now();
      worker.child.kill("SIGTERM");
      const exitCode = await worker.exited;
      const drainMs = Date.now() - at;
      await sleep(Math.max(0, sizes.faultMs - drainMs));
      const times = reconnectTimes(ctx, at);
      const hellos = ctx.load.clients.flatMap((c) => c.log.connects.filter((x) => x.t >= at).map((x) => x.t - at));
      Object.assign(ctx.notes, {
        victim: ctx.cluster.workerId(victim),
        exitCode,
        drainMs,
        closeCodes: codes(ctx, at),
        reconnectSpreadMs: hellos.length ? Math.max(...hellos) - Math.min(...hellos) : 0,
        reconnectMaxMs: Math.max(0, ...times),
      });
      if (exitCode !== 0) ctx.fail(`the drained worker exited with ${exitCode}`);
      if (!ctx.load.clients.some((c) => c.log.closes.some((x) => x.t >= at && x.code === 1001))) ctx.fail("no client got a 1001 close");
      if (ctx.load.clients.some((c) => c.log.connects.some((x) => x.t >= at + 1000 && x.worker === ctx.cluster.workerId(victim))))
        ctx.fail("a client was routed to the draining worker");
    },
    {
      get expectDead() {
        return [victim];
      },
    },
  );
}

/** Redis cut for `faultMs`: sends keep committing; deliveries between workers are caught up after. */
export function redisDown(sizes: Sizes): Promise<ScenarioResult> {
  return chaosRun("redis-down", sizes, async (ctx) => {
    const at = Date.now();
    await ctx.cluster.down("redis");
    await sleep(sizes.faultMs);
    const back = Date.now();
    await ctx.cluster.up("redis");
    const acked = ctx.load.clients.reduce((n, c) => n + c.log.acks.filter((a) => a.t > at + 500 && a.t < back).length, 0);
    const catchUp = await catchUpMs(ctx.cluster, ctx.load.clients, 20_000);
    Object.assign(ctx.notes, { outageMs: back - at, ackedDuringOutage: acked, catchUpAfterRestoreMs: catchUp ?? "timeout" });
    if (acked === 0) ctx.fail("no send was acknowledged while Redis was down (PostgreSQL was up)");
    if (catchUp === undefined) ctx.fail("clients did not catch up within 20 s of Redis returning");
  });
}

/** A send over HTTP with a clientId; its status, Retry-After and time, or how it failed. */
async function probeSend(baseUrl: string, token: string, roomId: string, clientId: string) {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}/api/rooms/${roomId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ body: "sent during the outage", clientId }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const code = ((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code;
    return { status: res.status, code, retryAfter: Number(res.headers.get("retry-after")), ms: Date.now() - started };
  } catch (error) {
    return { status: 0, code: (error as Error).name, retryAfter: 0, ms: Date.now() - started };
  }
}

/** A send during an outage must be answered (503 + Retry-After) within this, not hang. */
const PROBE_TIMEOUT_MS = 5000;
/** RELIABILITY.md row 4 asks the pool to recover within 5 s; loose here for a busy machine. */
const RECOVERY_MS = 10_000;

/** PostgreSQL cut for `faultMs`: no ack without a commit, retriable errors with retryAfter, recovery after. */
export function postgresDown(sizes: Sizes): Promise<ScenarioResult> {
  return chaosRun("postgres-down", sizes, async (ctx) => {
    const { cluster, load } = ctx;
    const poster = load.clients[0]!;
    const at = Date.now();
    await cluster.down("pg");
    // HTTP sends through the balancer and straight to a worker, early, midway and late in the outage.
    const probes: Array<Promise<{ at: number; where: string; status: number; code?: string; retryAfter: number; ms: number }>> = [];
    for (const offset of [1000, sizes.faultMs / 2, sizes.faultMs - 1500]) {
      for (const [where, base] of [
        ["lb", cluster.lb.url],
        ["worker", cluster.workerUrl(1)],
      ] as const) {
        probes.push(
          sleep(offset).then(async () => ({
            at: Date.now() - at,
            where,
            ...(await probeSend(base, poster.token, load.roomIds[0]!, `probe-${where}-${offset}`)),
          })),
        );
      }
    }
    await sleep(sizes.faultMs);
    const back = Date.now();
    await cluster.up("pg");
    const errors = load.clients.flatMap((c) => c.log.errors.filter((e) => e.t >= at && e.t <= back + 1000));
    const unavailable = errors.filter((e) => e.code === "unavailable");
    // Recovery: every client that still had unacked messages gets an ack again.
    const waiting = load.clients.filter((c) => c.unacked > 0);
    const firstAck = (c: (typeof waiting)[number]) => c.log.acks.find((a) => a.t > back)?.t;
    await waitFor(() => waiting.every((c) => firstAck(c) !== undefined), 15_000);
    const recovery = waiting.map((c) => (firstAck(c) ?? Infinity) - back);
    const answered = await Promise.all(probes);
    const byCode: Record<string, number> = {};
    for (const e of errors) byCode[e.code] = (byCode[e.code] ?? 0) + 1;
    Object.assign(ctx.notes, {
      outageMs: back - at,
      errorsDuringOutage: byCode,
      httpProbes: answered.map((p) => `+${p.at}ms ${p.where}: ${p.status} ${p.code ?? ""} retry-after=${p.retryAfter} in ${p.ms}ms`),
      clientsWaitingAtRestore: waiting.length,
      recoveryMaxMs: Math.max(0, ...recovery),
      recoveryP50Ms: percentile(recovery, 50),
    });
    if (unavailable.length === 0) ctx.fail("no client saw an `unavailable` error during the outage");
    if (unavailable.some((e) => !(e.retryAfter! >= 1))) ctx.fail("an `unavailable` error came without retryAfter >= 1");
    for (const p of answered) {
      // A send still waiting on its DB_TIMEOUT_MS deadline when PostgreSQL returns may commit: that is right too.
      if (p.status >= 200 && p.status < 300 && at + p.at + p.ms >= back) continue;
      if (p.status !== 503 || p.code !== "unavailable" || !(p.retryAfter >= 1))
        ctx.fail(
          `HTTP send at +${p.at} ms of the outage (${p.where}): ${p.status} ${p.code ?? ""} after ${p.ms} ms, not a 503 with Retry-After within ${PROBE_TIMEOUT_MS} ms`,
        );
    }
    if (Math.max(0, ...recovery) > RECOVERY_MS)
      ctx.fail(`a client waited ${Math.max(...recovery)} ms after PostgreSQL returned for its next ack (limit ${RECOVERY_MS} ms)`);
  });
}

function codes(ctx: FaultContext, since: number): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const c of ctx.load.clients) for (const x of c.log.closes) if (x.t >= since) counts[x.code] = (counts[x.code] ?? 0) + 1;
  return counts;
}
