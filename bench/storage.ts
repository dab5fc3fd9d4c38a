/**
 * Storage through Parley against raw postgres.js on the same tables. Writes: WebSocket `message`
 * frames → `ack` on a worker process, vs the store's single-message statement (one data-modifying
 * CTE that bumps the room's `room_seq.last_seq` and inserts the message with it), one per send, at the same
 * concurrency. The worker batches concurrent sends to a room into one statement (group commit).
 * Reads: GET /api/rooms/:id/messages pages vs the same SELECT. The raw side runs in a child process
 * (this file, with STORAGE_BASELINE set) pinned to the server CPUs, like the worker.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import type WebSocket from "ws";
import { uuidv7 } from "uuidv7";
import { parleyEnv } from "./fanout.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, type Bench } from "./lib/report.ts";
import { ackedSends } from "./lib/acked-sends.ts";
import { roomSenders } from "./lib/room-senders.ts";

/** Concurrent senders (one user and socket each), over ROOMS rooms, each with WINDOW frames in flight. */
const SENDERS = 8;
const ROOMS = 4;
const WINDOW = 8;
const BODY = "storage bench: an ordinary chat message of about sixty chars";

interface Sender {
  userId: string;
  roomId: string;
}
type InsertJob = { mode: "insert"; databaseUrl: string; senders: Sender[]; ms: number; tag: string };
type HistoryJob = { mode: "history"; databaseUrl: string; roomId: string; beforeSeq: number; pages: number };

const sql = (url: string) => postgres(url, { max: 10, onnotice: () => {} });

/** The store's appendMessage as plain postgres.js: one serial loop per sender, like a socket's frame queue. */
async function rawInserts(job: InsertJob) {
  const db = sql(job.databaseUrl);
  const append = async (s: Sender, clientId: string) => {
    await db`with next as (update room_seq set last_seq = last_seq + 1 where room_id = ${s.roomId} returning last_seq)
      insert into messages (id, room_id, seq, user_id, body, client_id, created_at)
      select ${uuidv7()}, ${s.roomId}, next.last_seq, ${s.userId}, ${BODY}, ${clientId}, ${new Date()} from next
      returning seq`;
  };
  const loops = (ms: number, tag: string) => {
    let stored = 0;
    const end = performance.now() + ms;
    return Promise.all(
      job.senders.map(async (s, i) => {
        for (let n = 0; performance.now() < end; n++) {
          await append(s, `${tag}-${i}-${n}`);
          if (performance.now() <= end) stored++;
        }
      }),
    ).then(() => stored);
  };
  await loops(1000, `${job.tag}-warm`);
  const stored = await loops(job.ms, job.tag);
  await db.end();
  return { stored, seconds: job.ms / 1000 };
}

/** The SELECT behind a history page (newest first, one extra row for hasMore), timed one at a time. */
async function rawHistory(job: HistoryJob) {
  const db = sql(job.databaseUrl);
  const page = (beforeSeq?: number) =>
    db`select m.id, m.room_id, m.seq, m.user_id, u.username, m.body, m.client_id, m.created_at
      from messages m join users u on u.id = m.user_id
      where m.room_id = ${job.roomId} ${beforeSeq === undefined ? db`` : db`and m.seq < ${beforeSeq}`}
      order by m.seq desc limit 51`;
  const out = { newest: await timed(job.pages, () => page()), deep: await timed(job.pages, () => page(job.beforeSeq)) };
  await db.end();
  return out;
}

/** Latencies of `n` sequential calls after a warm-up of 50. */
async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 50; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

if (process.env.STORAGE_BASELINE) {
  const job = JSON.parse(process.env.STORAGE_BASELINE) as InsertJob | HistoryJob;
  const result = job.mode === "insert" ? await rawInserts(job) : await rawHistory(job);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

/** Runs a baseline job in a child process pinned to `cpus`; resolves with what it printed. */
function baseline<T>(cpus: string, job: InsertJob | HistoryJob): Promise<T> {
  const child = spawn("taskset", ["-c", cpus, process.execPath, "--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, STORAGE_BASELINE: JSON.stringify(job) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  // Every job ends by itself well within this; past it something hangs.
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise<T>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`storage baseline exited with ${code}: ${err}`))));
  }).finally(() => clearTimeout(timer));
}

/** Each socket keeps WINDOW messages in flight for `ms`; counts the acks that arrive in time. */
async function socketSends(sockets: Array<{ ws: WebSocket; roomId: string }>, ms: number, tag: string) {
  return { ...(await ackedSends(sockets, { ms, tag, window: WINDOW, body: BODY })), seconds: ms / 1000 };
}

export const run: Bench = async ({ quick, serverCpus, clientCpus }) => {
  pinSelf(clientCpus);
  const ms = quick ? 2000 : 8000;
  const rounds = quick ? 1 : 2;
  const deepMessages = quick ? 20_000 : 100_000;
  const pages = quick ? 100 : 1000;
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  let worker: WorkerProcess | undefined;
  const sockets: WebSocket[] = [];
  try {
    worker = await startWorkerProcess(
      parleyEnv(database.url, prefix, testSecret(), { CPUS: serverCpus, REGISTER_RATE: "100000/60s", ROOM_RATE: "100000/60s" }),
    );
    const { clients, users, rooms, sockets: open } = await roomSenders(worker.url, { senders: SENDERS, rooms: ROOMS, tag: "store" });
    sockets.push(...open.map((o) => o.ws));
    const senders: Sender[] = users.map((u, i) => ({ userId: u.id, roomId: rooms[i % ROOMS]!.id }));

    await socketSends(open, 1000, "warm");
    const ours = { stored: 0, seconds: 0, acks: [] as number[] };
    const raw = { stored: 0, seconds: 0 };
    for (let r = 0; r < rounds; r++) {
      const o = await socketSends(open, ms, `ws${r}`);
      ours.stored += o.stored;
      ours.seconds += o.seconds;
      ours.acks.push(...o.acks);
      const b = await baseline<{ stored: number; seconds: number }>(serverCpus, { mode: "insert", databaseUrl: database.url, senders, ms, tag: `raw${r}` });
      raw.stored += b.stored;
      raw.seconds += b.seconds;
    }

    // A long room for history pages, filled directly: the page query does not care how rows came.
    const deep = await clients[0]!.createRoom(uniqueName("deep"));
    const admin = sql(database.url);
    await admin`insert into messages (id, room_id, seq, user_id, body, client_id, created_at)
      select gen_random_uuid(), ${deep.id}, g, ${users[0]!.id}, 'history message ' || g || ', some ordinary chat text', null, now() - (${deepMessages} - g) * interval '1 second'
      from generate_series(1, ${deepMessages}::int) g`;
    await admin`update room_seq set last_seq = ${deepMessages} where room_id = ${deep.id}`;
    await admin`analyze messages`;
    await admin.end();
    const beforeSeq = Math.floor(deepMessages / 2) + 1;
    const get = (query: string) => async () => {
      const res = await fetch(`${worker!.url}/api/rooms/${deep.id}/messages?limit=50${query}`, {
        headers: { authorization: `Bearer ${clients[0]!.token}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (res.status !== 200) throw new Error(`history: ${res.status} ${await res.text()}`);
      await res.text();
    };
    const history = { newest: [] as number[], deep: [] as number[], rawNewest: [] as number[], rawDeep: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      history.newest.push(...(await timed(pages / rounds, get(""))));
      history.deep.push(...(await timed(pages / rounds, get(`&beforeSeq=${beforeSeq}`))));
      const b = await baseline<{ newest: number[]; deep: number[] }>(serverCpus, {
        mode: "history",
        databaseUrl: database.url,
        roomId: deep.id,
        beforeSeq,
        pages: pages / rounds,
      });
      history.rawNewest.push(...b.newest);
      history.rawDeep.push(...b.deep);
    }

    const rate = (x: { stored: number; seconds: number }) => x.stored / x.seconds;
    const h = { newest: latency(history.newest), deep: latency(history.deep), rawNewest: latency(history.rawNewest), rawDeep: latency(history.rawDeep) };
    const page = (id: string, label: string, ours: number, base: number) =>
      figure({ id, label, unit: "ms", better: "lower", ours, baseline: base, baselineLabel: "raw SELECT" });
    return {
      id: "storage",
      title: "Storage: messages stored and history pages, Parley vs raw postgres.js",
      method:
        `Writes: ${SENDERS} sockets on one worker (PostgreSQL + Redis) in ${ROOMS} rooms, each keeping ${WINDOW} \`message\` frames in flight, counting acks; ` +
        `vs ${SENDERS} serial loops of the store's single-message statement via postgres.js (update room_seq.last_seq and insert with it, in a CTE; one statement per send), pool of 10 like the worker's. Parley's worker batches the sends waiting on a room into one statement (group commit). ` +
        `${rounds} × ${ms / 1000} s each, alternating, after a 1 s warm-up. Reads: ${pages} sequential GET …/messages?limit=50 (newest, and beforeSeq=${beforeSeq} in a room of ${deepMessages.toLocaleString("en")}) vs the same SELECT.`,
      figures: [
        figure({
          id: "storage.rate",
          label: "messages stored per second",
          unit: "msg/s",
          better: "higher",
          ours: rate(ours),
          baseline: rate(raw),
          baselineLabel: "raw postgres.js",
        }),
        page("storage.history.newest.p50", "history, newest page p50", h.newest.p50, h.rawNewest.p50),
        page("storage.history.newest.p99", "history, newest page p99", h.newest.p99, h.rawNewest.p99),
        page("storage.history.deep.p50", `history, page at seq ${beforeSeq} p50`, h.deep.p50, h.rawDeep.p50),
        page("storage.history.deep.p99", `history, page at seq ${beforeSeq} p99`, h.deep.p99, h.rawDeep.p99),
      ],
      details: {
        senders: SENDERS,
        rooms: ROOMS,
        window: WINDOW,
        ours: { stored: ours.stored, seconds: ours.seconds, ackMs: latency(ours.acks) },
        raw,
        history: h,
      },
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await worker?.stop();
    await database.drop();
    await deleteRedisKeys(prefix);
  }
};
