/**
 * `npm run bench:suggest`: what Parley adds to a suggestion's first token. A worker process runs
 * with SUGGEST_ENGINE=ollama against an Ollama-compatible server that answers instantly; for each
 * `suggest` frame, the time to the first `suggestion` delta minus the server's own time to its first
 * piece is the time our server adds (WebSocket hop, membership check, history read, prompt, HTTP to
 * Ollama, cleaning). Also times the built-in engine end to end and measures its quality on held-out
 * messages. Writes bench/results/suggest.json and prints a table.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import type { Message } from "@parley/protocol";
import { measureAutocomplete } from "../test/support/autocomplete-quality.ts";
import { chatCorpus, type CorpusMessage } from "../test/support/chat-corpus.ts";
import { ApiClient, type SocketClient } from "../test/support/client.ts";
import { FakeOllama } from "../test/support/fake-ollama.ts";
import { createTestDatabase, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { ManualClock } from "../worker/src/ports/clock.ts";
import { BuiltinSuggester } from "../worker/src/suggest/builtin-engine.ts";

const REQUESTS = Number(process.env.BENCH_SUGGESTIONS ?? 1000);
const WARMUP = 50;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s.at(-1)!) };
};

/** Sends `suggest` frames one after another; returns each one's send time and first-delta time. */
async function keystrokes(socket: SocketClient, roomId: string, count: number) {
  const timings: Array<{ sent: number; first: number }> = [];
  for (let i = 0; i < count; i++) {
    const requestId = `k${i}-${Math.random()}`;
    const sent = performance.now();
    socket.send({ type: "suggest", roomId, text: `see you at the stand${"x".repeat(i % 3)}`, requestId });
    const first = await socket.next("suggestion", (f) => f.requestId === requestId);
    const firstAt = performance.now();
    if (!first.done) await socket.next("suggestion", (f) => f.requestId === requestId && f.done);
    timings.push({ sent, first: firstAt });
  }
  return timings;
}

async function session(url: string) {
  const api = new ApiClient(url);
  await api.register(uniqueName("bench"));
  const room = await api.createRoom(uniqueName("suggest"));
  for (let i = 0; i < 20; i++) await api.request("POST", `/api/rooms/${room.id}/messages`, { body: `see you at the standup, item ${i}` });
  const socket = await api.socket();
  // Someone typing in a room is subscribed to it.
  await socket.subscribe(room.id);
  return { socket, roomId: room.id };
}

/** The built-in engine's quality on held-out messages, on an in-memory history. */
async function quality(corpus: CorpusMessage[]) {
  const log: Message[] = [];
  const append = (m: CorpusMessage) => log.push({ id: crypto.randomUUID(), roomId: m.roomId, seq: log.length + 1, user: { id: m.userId, username: m.userId }, body: m.body, clientId: null, createdAt: "" });
  const cut = Math.floor(corpus.length * 0.8);
  corpus.slice(0, cut).forEach(append);
  const clock = new ManualClock();
  const store = {
    history: async (roomId: string, { limit }: { limit: number }) => ({ messages: log.filter((m) => m.roomId === roomId).slice(-limit), hasMore: false }),
    roomIdsOf: async () => [...new Set(corpus.map((m) => m.roomId))],
  };
  const engine = new BuiltinSuggester({ store, clock, maxChars: 80 });
  const suggest = async (m: CorpusMessage, text: string) => {
    let out = "";
    for await (const c of engine.suggest({ user: { id: m.userId, username: m.userId }, roomId: m.roomId, text, signal: new AbortController().signal })) out += c.delta;
    return out;
  };
  return measureAutocomplete(corpus.slice(cut), suggest, (m) => (append(m), clock.advance(1000)));
}

/** The README as chat messages: real English, unlike anything in the history. */
function readmeSentences(): CorpusMessage[] {
  const text = readFileSync(new URL("../README.md", import.meta.url), "utf8").replace(/[`*|#>[\]()]/g, " ");
  return text
    .split(/(?<=[.!?:])\s+|\n+/)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter((s) => s.length > 15 && s.length < 300)
    .map((body, i) => ({ roomId: "readme", userId: `u${i % 4}`, body }));
}

/** Suggestions through Ollama on a worker: our added time, the server's first piece, and the total. */
async function throughOllama(url: string) {
  const { socket, roomId } = await session(url);
  await keystrokes(socket, roomId, WARMUP);
  fake.calls.length = 0;
  const timings = await keystrokes(socket, roomId, REQUESTS);
  await socket.close();
  if (fake.calls.length !== REQUESTS) throw new Error(`Ollama was asked ${fake.calls.length} times for ${REQUESTS} suggestions`);
  const engineFirst = fake.calls.map((c) => c.firstPieceAt! - c.receivedAt);
  const total = timings.map((t) => t.first - t.sent);
  return { added: summary(total.map((t, i) => t - engineFirst[i]!)), engineFirst: summary(engineFirst), total: summary(total) };
}

const fake = await FakeOllama.start();
fake.reply = () => ({ tokens: [" the", " standup", " at", " 10"] });
const workers: WorkerProcess[] = [];
const database = await createTestDatabase();
const env = { FRAME_RATE: "1000000/60s", MESSAGE_RATE: "1000000/60s", REGISTER_RATE: "100000/60s", SUGGEST_RATE: "1000000/60s", OLLAMA_HOST: fake.url, LOG_LEVEL: "warn" };
try {
  const ollama = await startWorkerProcess({ ...env, SUGGEST_ENGINE: "ollama" });
  workers.push(ollama);
  const ollamaPostgres = await startWorkerProcess({ ...env, SUGGEST_ENGINE: "ollama", DATABASE_URL: database.url });
  workers.push(ollamaPostgres);
  const builtin = await startWorkerProcess({ ...env, SUGGEST_ENGINE: "builtin" });
  workers.push(builtin);

  const embedded = await throughOllama(ollama.url);
  const postgres = await throughOllama(ollamaPostgres.url);

  const viaBuiltin = await session(builtin.url);
  await keystrokes(viaBuiltin.socket, viaBuiltin.roomId, WARMUP);
  const builtinTotal = (await keystrokes(viaBuiltin.socket, viaBuiltin.roomId, REQUESTS)).map((t) => t.first - t.sent);
  const pings: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const since = viaBuiltin.socket.frames.length;
    const sent = performance.now();
    viaBuiltin.socket.send({ type: "ping" });
    await viaBuiltin.socket.next("pong", (f) => viaBuiltin.socket.frames.indexOf(f) >= since);
    pings.push(performance.now() - sent);
  }
  await viaBuiltin.socket.close();

  const results = {
    date: new Date().toISOString(),
    machine: `${cpus().length} cores, Node ${process.version}`,
    settings: { requests: REQUESTS, warmup: WARMUP },
    latencyMs: {
      addedByParleyOllamaEmbedded: embedded.added,
      addedByParleyOllamaPostgres: postgres.added,
      engineFirstPiece: embedded.engineFirst,
      suggestToFirstDeltaOllamaEmbedded: embedded.total,
      suggestToFirstDeltaBuiltinEmbedded: summary(builtinTotal),
      pingPong: summary(pings),
    },
    builtinQuality: { chatHeldOut: await quality(chatCorpus(3000)), readmeHeldOut: await quality(readmeSentences()) },
  };
  writeFileSync(new URL("./results/suggest.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
  console.log(`\n${results.date} — ${results.machine}; ${REQUESTS} suggestions, one at a time`);
  console.log("measure                                     p50 ms   p99 ms   max ms");
  const row = (name: string, r: { p50: number; p99: number; max: number }) => console.log(`${name.padEnd(42)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(8)} ${String(r.max).padStart(8)}`);
  row("added by Parley, ollama, embedded db", results.latencyMs.addedByParleyOllamaEmbedded);
  row("added by Parley, ollama, PostgreSQL", results.latencyMs.addedByParleyOllamaPostgres);
  row("  (fake Ollama's own first piece)", results.latencyMs.engineFirstPiece);
  row("suggest → first delta, builtin, embedded", results.latencyMs.suggestToFirstDeltaBuiltinEmbedded);
  row("ping → pong (WebSocket round trip)", results.latencyMs.pingPong);
  for (const [name, q] of Object.entries(results.builtinQuality)) {
    console.log(`built-in quality, ${name}: ${q.messages} messages, ${(q.keystrokesSaved * 100).toFixed(1)}% keystrokes saved, next word ${(q.nextWordAccuracy * 100).toFixed(1)}% right (${(q.nextWordPrecision * 100).toFixed(1)}% when offered)`);
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await database.drop();
  await fake.close();
}
