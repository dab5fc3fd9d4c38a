/**
 * Bench "runtimes": message round trip (a client sends a `message` frame, another client in the room
 * receives it) under `wrangler dev` against a Node worker, on one PostgreSQL database, in one run.
 * On workerd the sender and the receiver are users on different gateway objects, so every message
 * crosses a room object; on Node both talk to one worker process (its in-memory bus). Rounds
 * alternate between the two so warm-up and the machine's noise hit both alike.
 */
import { connectPostgres } from "@parley/db/node";
import { ApiClient, type SocketClient } from "../test/support/client.ts";
import { createTestDatabase, testSecret, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { startWranglerDev, type WranglerDev } from "../test/support/wrangler-process.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, sleep, type Bench } from "./lib/report.ts";

/** Messages a second during a round: a chat's pace, well under either runtime's capacity. */
const RATE = 100;

/** A sender and a receiver subscribed to one fresh room, and the receiver's arrival times. */
interface Pair {
  tx: SocketClient;
  rx: SocketClient;
  roomId: string;
  /** Where each side is served (x-served-by), for the report. */
  servedBy: [string, string];
}

const servedBy = async (api: ApiClient) => (await api.request("GET", "/api/me")).headers.get("x-served-by") ?? "?";

/** Two members of a room; with `apart`, the receiver is registered again until it is served elsewhere than the sender. */
async function pair(url: string, apart: boolean): Promise<Pair> {
  const sender = new ApiClient(url);
  await sender.register(uniqueName("snd"));
  const senderAt = await servedBy(sender);
  let receiver = new ApiClient(url);
  await receiver.register(uniqueName("rcv"));
  for (let attempt = 0; apart && (await servedBy(receiver)) === senderAt; attempt++) {
    if (attempt === 30) throw new Error("could not place the receiver on another gateway");
    receiver = new ApiClient(url);
    await receiver.register(uniqueName("rcv"));
  }
  const room = await sender.createRoom(uniqueName("bench"));
  await receiver.join(room.id);
  const tx = await sender.socket();
  const rx = await receiver.socket();
  await tx.subscribe(room.id);
  await rx.subscribe(room.id);
  return { tx, rx, roomId: room.id, servedBy: [senderAt, await servedBy(receiver)] };
}

/** Sends `count` messages at RATE a second; returns each one's send → receive time and how many never came. */
async function roundTrip(p: Pair, count: number, tag: string): Promise<{ samples: number[]; lost: number }> {
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const onMessage = (data: unknown) => {
    const frame = JSON.parse(String(data));
    if (frame.type !== "message") return;
    const at = sentAt.get(frame.message.clientId);
    if (at !== undefined) samples.push(performance.now() - at);
  };
  p.rx.ws.on("message", onMessage);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const clientId = `${tag}-${i}`;
    sentAt.set(clientId, performance.now());
    p.tx.send({ type: "message", roomId: p.roomId, body: `message ${i}`, clientId });
  }
  const deadline = Date.now() + 10_000;
  while (samples.length < count && Date.now() < deadline) await sleep(20);
  p.rx.ws.off("message", onMessage);
  const refused = p.tx.all("error").length;
  if (refused > 0) throw new Error(`${refused} sends were refused: raise MESSAGE_RATE/FRAME_RATE for the bench`);
  return { samples, lost: count - samples.length };
}

export const run: Bench = async (options) => {
  const rounds = options.quick ? 2 : 6;
  const perRound = options.quick ? 100 : 300;
  const warmup = options.quick ? 50 : 200;
  pinSelf(options.clientCpus);
  const database = await createTestDatabase();
  let node: WorkerProcess | undefined;
  let workers: WranglerDev | undefined;
  const pairs: Pair[] = [];
  try {
    const connection = connectPostgres(database.url, { max: 2 });
    await connection.migrate();
    await connection.close();
    const env = {
      JWT_SECRET: testSecret(),
      MESSAGE_RATE: "1000000/60s",
      FRAME_RATE: "1000000/60s",
      REGISTER_RATE: "100000/60s",
      LOG_LEVEL: "warn",
      SUGGEST_ENGINE: "builtin",
    };
    [node, workers] = await Promise.all([
      startWorkerProcess({ ...env, DATABASE_URL: database.url, WORKER_ID: "node", CPUS: options.serverCpus }),
      startWranglerDev(database.url, { ...env, WORKER_ID: "workerd" }, { cpus: options.serverCpus }),
    ]);
    const targets = { workerd: await pair(workers.url, true), node: await pair(node.url, false) };
    pairs.push(targets.workerd, targets.node);
    for (const [name, p] of Object.entries(targets)) await roundTrip(p, warmup, `warm-${name}`);

    const samples = { workerd: [] as number[], node: [] as number[] };
    const lost = { workerd: 0, node: 0 };
    const perRoundP50: Array<{ workerd: number; node: number }> = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate which runtime goes first, so neither always follows the other.
      const order = round % 2 === 0 ? (["workerd", "node"] as const) : (["node", "workerd"] as const);
      const p50 = { workerd: NaN, node: NaN };
      for (const name of order) {
        const result = await roundTrip(targets[name], perRound, `r${round}-${name}`);
        samples[name].push(...result.samples);
        lost[name] += result.lost;
        p50[name] = latency(result.samples).p50;
      }
      perRoundP50.push(p50);
    }
    const ours = latency(samples.workerd);
    const base = latency(samples.node);
    const labels = { baselineLabel: "Node worker (one process)" };
    const note = `workerd: sender on ${targets.workerd.servedBy[0]}, receiver on ${targets.workerd.servedBy[1]}`;
    return {
      id: "runtimes",
      title: "Runtimes: message round trip under wrangler dev vs Node",
      method:
        `One sender and one receiver per runtime in a fresh room, ${RATE} messages/s; ${rounds} alternating rounds of ${perRound} messages after ${warmup} warm-up messages each. ` +
        `wrangler dev (workerd: gateway objects, room objects, local Hyperdrive) and one Node worker share one PostgreSQL database, both pinned to CPUs ${options.serverCpus}, the clients to ${options.clientCpus}. ` +
        `On workerd the two users are on different gateways, so each message goes gateway → room object → gateway.`,
      figures: [
        figure({ id: "runtimes.rtt.p50", label: "message round trip p50", unit: "ms", better: "lower", ours: ours.p50, baseline: base.p50, ...labels, note }),
        figure({ id: "runtimes.rtt.p99", label: "message round trip p99", unit: "ms", better: "lower", ours: ours.p99, baseline: base.p99, ...labels }),
        figure({
          id: "runtimes.lost",
          label: "messages lost under wrangler dev",
          unit: "messages",
          better: "lower",
          ours: lost.workerd,
          baseline: null,
          goal: { value: { op: "==", value: 0 }, text: "none lost" },
          note: `Node lost ${lost.node}`,
        }),
      ],
      charts: [
        {
          title: "message round trip",
          unit: "ms",
          labels: ["p50", "p99"],
          series: [
            { name: "wrangler dev (two gateways)", values: [ours.p50, ours.p99] },
            { name: "Node worker", values: [base.p50, base.p99] },
          ],
        },
      ],
      details: {
        rate: RATE,
        rounds,
        perRound,
        warmup,
        workerd: { ...ours, lost: lost.workerd },
        node: { ...base, lost: lost.node },
        perRoundP50,
        servedBy: { workerd: targets.workerd.servedBy, node: targets.node.servedBy },
      },
    };
  } finally {
    await Promise.all(pairs.flatMap((p) => [p.tx.close(), p.rx.close()]));
    await Promise.all([workers?.stop(), node?.stop()]);
    await database.drop();
  }
};
