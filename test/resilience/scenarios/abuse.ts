import fc from "fast-check";
import WebSocket from "ws";
import { LIMITS } from "@parley/protocol";
import { uniqueName } from "../../support/services.ts";
import { newUser, type Cluster } from "../harness.ts";
import { chaosRun, type FaultContext, type ScenarioResult, type Sizes } from "./common.ts";
import { frameArbitrary, fuzzFrames, fuzzRequests, requestArbitrary } from "./fuzz.ts";

/** Opens a raw WebSocket through the balancer and waits for `hello`. */
function openSocket(cluster: Cluster, token: string): Promise<WebSocket> {
  const ws = new WebSocket(cluster.lb.url.replace(/^http/, "ws") + "/ws", ["parley.v1", `bearer.${token}`]);
  return new Promise((resolve, reject) => {
    ws.once("message", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

const closeOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));

/** A frame past 64 KiB (and one of 1 MiB) is answered by a 1009 close. */
async function oversizedFrames(ctx: FaultContext, token: string) {
  for (const bytes of [LIMITS.frameBytes + 1, 1024 * 1024]) {
    const ws = await openSocket(ctx.cluster, token);
    const started = Date.now();
    const closed = closeOf(ws);
    ws.send("x".repeat(bytes));
    const code = await closed;
    ctx.notes[`frame${bytes}B`] = `${code} in ${Date.now() - started} ms`;
    if (code !== 1009) ctx.fail(`a ${bytes}-byte frame closed with ${code}, not 1009`);
  }
}

/** Bodies past 64 KiB, with and without a length, through the balancer and straight to a worker: 413 too_large. */
async function oversizedBodies(ctx: FaultContext, token: string, roomId: string) {
  const body = JSON.stringify({ body: "x".repeat(LIMITS.requestBodyBytes + 10), clientId: "big" });
  const targets = { lb: ctx.cluster.lb.url, worker: ctx.cluster.workerUrl(0) };
  for (const [where, base] of Object.entries(targets)) {
    for (const chunked of [false, true]) {
      const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(body)), c.close()) });
      const res = await fetch(`${base}/api/rooms/${roomId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: chunked ? stream : body,
        ...(chunked ? { duplex: "half" } : {}),
      } as RequestInit);
      const code = ((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code;
      ctx.notes[`body-${where}${chunked ? "-chunked" : ""}`] = `${res.status} ${code}`;
      if (res.status !== 413 || code !== "too_large") ctx.fail(`oversized body (${where}${chunked ? ", chunked" : ""}): ${res.status} ${code}`);
    }
  }
}

/** One connection sends 3,000 messages at once: rate_limited errors, then a 1008 close. */
async function flood(ctx: FaultContext, token: string, roomId: string) {
  const ws = await openSocket(ctx.cluster, token);
  const counts: Record<string, number> = {};
  ws.on("message", (d) => {
    const f = JSON.parse(d.toString()) as { type: string; code?: string };
    const key = f.type === "error" ? f.code! : f.type;
    counts[key] = (counts[key] ?? 0) + 1;
  });
  const closed = closeOf(ws);
  for (let i = 0; i < 3000 && ws.readyState === WebSocket.OPEN; i++)
    ws.send(JSON.stringify({ type: "message", roomId, body: `flood ${i}`, clientId: `flood-${i}` }));
  const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
  ctx.notes.flood = { closeCode: code, ...counts };
  if (!counts.rate_limited) ctx.fail("the flood got no rate_limited error");
  if (code !== 1008) ctx.fail(`the flood's socket closed with ${code}, not 1008`);
}

/**
 * Abuse beside a normal load: oversized frames and bodies, a flood from one client, and fuzzed frames
 * and requests (fast-check). No crash, no 5xx, every bad input answered with its error; the load's
 * checks must pass too (the others are unaffected).
 */
export function abuse(sizes: Sizes): Promise<ScenarioResult> {
  return chaosRun("abuse", sizes, async (ctx) => {
    const { cluster } = ctx;
    const [attacker, fuzzer] = await Promise.all([newUser(cluster, "evil"), newUser(cluster, "fuzz")]);
    const roomId = (await attacker.api.createRoom(uniqueName("abuse"))).id;
    await fuzzer.api.join(roomId);
    const token = attacker.api.token!;
    await oversizedFrames(ctx, token);
    await oversizedBodies(ctx, token, roomId);
    await flood(ctx, token, roomId);

    // The fuzz needs no background load (and the machine's two cores are better spent on the fuzz).
    ctx.load.stopSending();
    const seed = Number(process.env.FUZZ_SEED ?? 20_240_601);
    const frames = fc.sample(frameArbitrary(roomId), { numRuns: sizes.fuzzRuns, seed });
    let started = Date.now();
    const ws = await fuzzFrames(() => openSocket(cluster, fuzzer.api.token!), frames);
    ctx.notes.wsFuzz = { seed, cases: ws.cases, ms: Date.now() - started, unanswered: ws.unanswered, failures: ws.failures.length, answers: ws.answeredByCode };
    started = Date.now();
    const requests = fc.sample(requestArbitrary(roomId), { numRuns: sizes.fuzzRuns, seed });
    // Half through the balancer, half straight to the workers.
    const bases = cluster.workers.flatMap((_, i) => [cluster.lb.url, cluster.workerUrl(i)]);
    const http = await fuzzRequests(bases, fuzzer.api.token!, requests);
    ctx.notes.httpFuzz = {
      seed,
      cases: http.cases,
      ms: Date.now() - started,
      unanswered: http.unanswered,
      failures: http.failures.length,
      answers: http.answeredByCode,
    };
    for (const [name, report] of [
      ["WS fuzz", ws],
      ["HTTP fuzz", http],
    ] as const) {
      if (report.unanswered) ctx.fail(`${name}: ${report.unanswered} bad inputs without their error`);
      for (const f of report.failures.slice(0, 5)) ctx.fail(`${name}: ${f}`);
      if (report.failures.length > 5) ctx.fail(`${name}: … ${report.failures.length - 5} more`);
    }
    for (const [i] of cluster.workers.entries()) {
      const ready = await fetch(`${cluster.workerUrl(i)}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready !== 200) ctx.fail(`${cluster.workerId(i)} /readyz: ${ready}`);
    }
    if (!cluster.alive()) ctx.fail("a process died during the abuse");
  });
}
