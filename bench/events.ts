/**
 * What an edit and a reaction cost next to a send: on one worker process (PostgreSQL + Redis),
 * SENDERS sockets each keep one frame in flight for a phase — `message` frames, then `edit`s of the
 * socket's own message (a new body each time), then `react` toggles on it (on, off, on, …) — and
 * count the answers. Every edit and toggle changes something, so each is an event at the room's
 * next seq, delivered to the room's subscribers like a message. Phases alternate over the rounds.
 */
import type WebSocket from "ws";
import { parleyEnv } from "./fanout.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { ackedSends } from "./lib/acked-sends.ts";
import { roomSenders } from "./lib/room-senders.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, type Bench } from "./lib/report.ts";

const SENDERS = 8;
const ROOMS = 4;
const BODY = "events bench: an ordinary chat message of about sixty chars";
const EMOJI = ["👍", "🎉", "👀", "🔥"];

type Kind = "send" | "edit" | "react";

export const run: Bench = async ({ quick, serverCpus, clientCpus }) => {
  pinSelf(clientCpus);
  const ms = quick ? 1500 : 5000;
  const rounds = quick ? 1 : 3;
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  let worker: WorkerProcess | undefined;
  const sockets: WebSocket[] = [];
  try {
    worker = await startWorkerProcess(
      parleyEnv(database.url, prefix, testSecret(), { CPUS: serverCpus, REGISTER_RATE: "100000/60s", ROOM_RATE: "100000/60s" }),
    );
    const { clients, roomOf, sockets: open } = await roomSenders(worker.url, { senders: SENDERS, rooms: ROOMS, tag: "events", protocols: ["parley.v2"] });
    sockets.push(...open.map((o) => o.ws));
    // Each socket edits and reacts to a message of its own.
    const own = await Promise.all(
      clients.map(async (c, i) => (await c.request("POST", `/api/rooms/${roomOf(i)}/messages`, { body: BODY })).json.message.id as string),
    );
    const frames: Record<Kind, { frame?: (i: number, n: number, clientId: string) => object; answers: string[] }> = {
      send: { answers: ["ack"] },
      edit: { frame: (i, n, clientId) => ({ type: "edit", roomId: roomOf(i), messageId: own[i], body: `${BODY} (edit ${n})`, clientId }), answers: ["ack"] },
      react: {
        frame: (i, n, clientId) => ({ type: "react", roomId: roomOf(i), messageId: own[i], emoji: EMOJI[i % EMOJI.length], on: n % 2 === 0, clientId }),
        answers: ["reactions"],
      },
    };
    const phase = (kind: Kind, tag: string, phaseMs: number) => ackedSends(open, { ms: phaseMs, tag, window: 1, body: BODY, ...frames[kind] });
    for (const kind of ["send", "edit", "react"] as const) await phase(kind, `warm-${kind}`, 500);
    const totals = Object.fromEntries((["send", "edit", "react"] as const).map((k) => [k, { done: 0, seconds: 0, ms: [] as number[] }])) as Record<
      Kind,
      { done: number; seconds: number; ms: number[] }
    >;
    for (let r = 0; r < rounds; r++) {
      // Each round starts with another kind, so no kind always runs on a warmer (or fuller) database.
      const order = (["send", "edit", "react"] as const).map((_, k, all) => all[(k + r) % all.length]!);
      for (const kind of order) {
        const result = await phase(kind, `${kind}${r}`, ms);
        totals[kind].done += result.stored;
        totals[kind].seconds += ms / 1000;
        totals[kind].ms.push(...result.acks);
      }
    }
    const rate = (k: Kind) => totals[k].done / totals[k].seconds;
    const cost = (k: Kind) =>
      figure({
        id: `events.${k}.rate`,
        label: `${k === "edit" ? "edits" : "reaction toggles"} per second, vs sends`,
        unit: "ops/s",
        better: "higher",
        ours: rate(k),
        baseline: rate("send"),
        baselineLabel: "sends",
      });
    const p50 = (k: Kind) => latency(totals[k].ms).p50;
    return {
      id: "events",
      title: "Room events: the cost of an edit and a reaction next to a send",
      method: `${SENDERS} sockets (parley.v2) on one worker with PostgreSQL and Redis, in ${ROOMS} rooms, each keeping one frame in flight for ${ms / 1000} s per phase: \`message\` frames, \`edit\`s of the socket's own message (a new body each time), \`react\` toggles on it; ${rounds} rounds, the phases rotating. Every edit and toggle is an event at the room's next seq, stored and delivered like a message.`,
      figures: [
        cost("edit"),
        cost("react"),
        figure({
          id: "events.edit.p50",
          label: "edit answered, p50, vs a send",
          unit: "ms",
          better: "lower",
          ours: p50("edit"),
          baseline: p50("send"),
          baselineLabel: "send",
        }),
        figure({
          id: "events.react.p50",
          label: "reaction answered, p50, vs a send",
          unit: "ms",
          better: "lower",
          ours: p50("react"),
          baseline: p50("send"),
          baselineLabel: "send",
        }),
      ],
      details: Object.fromEntries(
        (["send", "edit", "react"] as const).map((k) => [k, { done: totals[k].done, seconds: totals[k].seconds, latency: latency(totals[k].ms) }]),
      ),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await worker?.stop();
    await database.drop();
    await deleteRedisKeys(prefix);
  }
};
