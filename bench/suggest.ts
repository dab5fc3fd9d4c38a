/**
 * What Parley adds to a suggestion's first token. A worker process runs with SUGGEST_ENGINE=ollama
 * against an Ollama-compatible server that answers at once (test/support/fake-ollama.ts); for each
 * `suggest` frame, the time to the first `suggestion` delta minus the server's own time to its first
 * piece is the time our server adds (WebSocket hop, membership check, history read, prompt, HTTP to
 * Ollama, cleaning). Also times the built-in engine end to end and measures its quality on held-out
 * messages.
 */
import { readFileSync } from "node:fs";
import type { Message } from "@parley/protocol";
import { ManualClock } from "@parley/common";
import { measureAutocomplete } from "../test/support/autocomplete-quality.ts";
import { chatCorpus, type CorpusMessage } from "../test/support/chat-corpus.ts";
import { ApiClient, type SocketClient } from "../test/support/client.ts";
import { FakeOllama } from "../test/support/fake-ollama.ts";
import { createTestDatabase, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { BuiltinSuggester } from "../worker/src/suggest/builtin-engine.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, type Bench } from "./lib/report.ts";

/** Sends `suggest` frames one after another; returns each one's send time and first-delta time. */
async function keystrokes(socket: SocketClient, roomId: string, count: number) {
  const timings: Array<{ sent: number; first: number }> = [];
  for (let i = 0; i < count; i++) {
    // `next` scans the frames received so far: keep the log short so it costs nothing.
    socket.frames.length = 0;
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

/** Sequential ping → pong round trips: the floor of any answer over this socket. */
async function pings(socket: SocketClient, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    socket.frames.length = 0;
    const sent = performance.now();
    socket.send({ type: "ping" });
    await socket.next("pong");
    samples.push(performance.now() - sent);
  }
  return samples;
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
  const append = (m: CorpusMessage) =>
    log.push({
      id: crypto.randomUUID(),
      roomId: m.roomId,
      seq: log.length + 1,
      user: { id: m.userId, username: m.userId },
      body: m.body,
      clientId: null,
      createdAt: "",
    });
  const cut = Math.floor(corpus.length * 0.8);
  corpus.slice(0, cut).forEach(append);
  const clock = new ManualClock();
  const store = {
    history: async (roomId: string, { limit }: { limit: number }) => ({ messages: log.filter((m) => m.roomId === roomId).slice(-limit), hasMore: false }),
    roomIdsOf: async () => [...new Set(corpus.map((m) => m.roomId))],
    // Public rooms: the users' own words follow them between rooms, as in production.
    getRoom: async (id: string) => ({
      id,
      name: id,
      topic: "",
      createdBy: "",
      createdAt: "",
      memberCount: 0,
      kind: "room" as const,
      visibility: "public" as const,
    }),
  };
  const engine = new BuiltinSuggester({ store, clock, maxChars: 80 });
  const suggest = async (m: CorpusMessage, text: string) => {
    let out = "";
    for await (const c of engine.suggest({ user: { id: m.userId, username: m.userId }, roomId: m.roomId, text, signal: new AbortController().signal }))
      out += c.delta;
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

/** Suggestions through Ollama on a worker: our added time, the server's first piece, the total, and pings. */
async function throughOllama(fake: FakeOllama, url: string, requests: number, warmup: number) {
  const { socket, roomId } = await session(url);
  await keystrokes(socket, roomId, warmup);
  fake.calls.length = 0;
  const timings = await keystrokes(socket, roomId, requests);
  const pong = await pings(socket, requests);
  await socket.close();
  if (fake.calls.length !== requests) throw new Error(`Ollama was asked ${fake.calls.length} times for ${requests} suggestions`);
  const engineFirst = fake.calls.map((c) => c.firstPieceAt! - c.receivedAt);
  const total = timings.map((t) => t.first - t.sent);
  return { added: latency(total.map((t, i) => t - engineFirst[i]!)), engineFirst: latency(engineFirst), total: latency(total), pingPong: latency(pong) };
}

export const run: Bench = async ({ quick, serverCpus, clientCpus }) => {
  pinSelf(clientCpus);
  const requests = quick ? 100 : 1000;
  const warmup = quick ? 20 : 50;
  const fake = await FakeOllama.start();
  fake.reply = () => ({ tokens: [" the", " standup", " at", " 10"] });
  const workers: WorkerProcess[] = [];
  const database = await createTestDatabase();
  const env = {
    CPUS: serverCpus,
    FRAME_RATE: "1000000/60s",
    MESSAGE_RATE: "1000000/60s",
    REGISTER_RATE: "100000/60s",
    SUGGEST_RATE: "1000000/60s",
    OLLAMA_HOST: fake.url,
  };
  try {
    // Started together; allSettled so that none is left running when another fails to start.
    const started = await Promise.allSettled(
      (
        [{ SUGGEST_ENGINE: "ollama" }, { SUGGEST_ENGINE: "ollama", DATABASE_URL: database.url }, { SUGGEST_ENGINE: "builtin" }] as Array<Record<string, string>>
      ).map((extra) => startWorkerProcess({ ...env, ...extra })),
    );
    for (const s of started) if (s.status === "fulfilled") workers.push(s.value);
    for (const s of started) if (s.status === "rejected") throw s.reason;
    const [ollama, ollamaPostgres, builtin] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];

    const embedded = await throughOllama(fake, ollama.url, requests, warmup);
    const postgres = await throughOllama(fake, ollamaPostgres.url, requests, warmup);
    const viaBuiltin = await session(builtin.url);
    await keystrokes(viaBuiltin.socket, viaBuiltin.roomId, warmup);
    const builtinTotal = latency((await keystrokes(viaBuiltin.socket, viaBuiltin.roomId, requests)).map((t) => t.first - t.sent));
    const builtinPong = latency(await pings(viaBuiltin.socket, requests));
    await viaBuiltin.socket.close();
    const chat = await quality(chatCorpus(quick ? 1000 : 3000));
    const readme = await quality(readmeSentences());

    const ms = (id: string, label: string, ours: number, base: number, goal?: boolean) =>
      figure({
        id,
        label,
        unit: "ms",
        better: "lower",
        ours,
        baseline: base,
        baselineLabel: "ping → pong",
        ...(goal ? { goal: { value: { op: "<", value: 5 }, text: "< 5 ms" } } : {}),
      });
    const share = (id: string, label: string, x: number) => figure({ id, label, unit: "%", better: "higher", ours: x * 100, baseline: null });
    return {
      id: "suggest",
      title: "Autocomplete: time added to the first token, built-in engine quality",
      method:
        `${requests} \`suggest\` frames one at a time (after ${warmup} to warm up) to a worker with SUGGEST_ENGINE=ollama and a fake Ollama that answers at once; ` +
        "added = suggest → first delta minus the fake's own receipt → first piece. Baseline: ping → pong on the same socket, the floor of any answer. " +
        "Quality: the built-in engine types held-out messages (last 20%) key by key, after learning the first 80%.",
      figures: [
        ms("suggest.added.p50", "added to first token p50 (Ollama, PostgreSQL)", postgres.added.p50, postgres.pingPong.p50, true),
        ms("suggest.added.p99", "added to first token p99 (Ollama, PostgreSQL)", postgres.added.p99, postgres.pingPong.p99),
        ms("suggest.added.embedded.p50", "added to first token p50 (Ollama, embedded PGlite)", embedded.added.p50, embedded.pingPong.p50, true),
        ms("suggest.added.embedded.p99", "added to first token p99 (Ollama, embedded PGlite)", embedded.added.p99, embedded.pingPong.p99),
        figure({
          id: "suggest.engine.p50",
          label: "fake Ollama's own first piece p50 (subtracted above)",
          unit: "ms",
          better: "lower",
          ours: postgres.engineFirst.p50,
          baseline: null,
        }),
        ms("suggest.builtin.p50", "built-in engine, keystroke → first delta p50", builtinTotal.p50, builtinPong.p50),
        ms("suggest.builtin.p99", "built-in engine, keystroke → first delta p99", builtinTotal.p99, builtinPong.p99),
        share("suggest.quality.chat.saved", "built-in, chat held out: keystrokes saved", chat.keystrokesSaved),
        share("suggest.quality.chat.next", "built-in, chat held out: next word right", chat.nextWordAccuracy),
        share("suggest.quality.readme.saved", "built-in, README sentences: keystrokes saved", readme.keystrokesSaved),
        share("suggest.quality.readme.next", "built-in, README sentences: next word right", readme.nextWordAccuracy),
      ],
      details: {
        requests,
        warmup,
        ollamaPostgres: postgres,
        ollamaEmbedded: embedded,
        builtin: { total: builtinTotal, pingPong: builtinPong },
        quality: { chat, readme },
      },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await database.drop();
    await fake.close();
  }
};
