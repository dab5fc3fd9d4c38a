import type { Store } from "@parley/db";
import type { ServerFrame, User } from "@parley/protocol";
import { silentLogger, systemClock } from "@parley/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOllama } from "../../../test/support/fake-ollama.ts";
import { inProcessApp, memoryStore } from "../../../test/support/in-process.ts";
import type { ParleyApp } from "../app.ts";
import { MessageService } from "../messages/message-service.ts";
import type { Suggester } from "../ports/suggester.ts";
import { WsSession } from "../realtime/ws-session.ts";
import { createSuggester, type SuggestSettings } from "./create-suggester.ts";

let store: Store;
let close: () => Promise<void>;
let fake: FakeOllama;
let parley: ParleyApp;
let user: User;
let roomId: string;

const settings = (over: Partial<SuggestSettings>): SuggestSettings => ({
  engine: "ollama",
  ollamaHost: fake.url,
  ollamaModel: "llama3.1:8b",
  ollamaKeepAlive: "30m",
  deadlineMs: 2000,
  rate: { max: 1000, windowSeconds: 60 },
  maxConcurrent: 8,
  contextMessages: 20,
  contextChars: 2000,
  maxChars: 80,
  ...over,
});
async function suggester(over: Partial<SuggestSettings> = {}) {
  const s = createSuggester(settings(over), { store, clock: systemClock, logger: silentLogger });
  await s.probe();
  return s;
}
/** A WebSocket session with a fake peer that records frames with their arrival time. */
function session(suggest: Suggester) {
  const frames: Array<ServerFrame & { at: number }> = [];
  const messages = new MessageService(store, parley.hub, systemClock, { max: 1e6, windowSeconds: 60 });
  const ws = new WsSession(
    { id: crypto.randomUUID(), user, version: 1, send: (t) => frames.push({ ...JSON.parse(t), at: performance.now() }), close: () => {} },
    { hub: parley.hub, messages, suggester: suggest, clock: systemClock, logger: silentLogger, frameRate: { max: 1e6, windowSeconds: 60 } },
  );
  const send = (frame: object) => ws.receive(JSON.stringify(frame));
  const of = (requestId: string) =>
    frames.filter((f) => f.type === "suggestion" && f.requestId === requestId) as Array<Extract<ServerFrame, { type: "suggestion" }> & { at: number }>;
  const until = async (done: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  return { ws, frames, send, of, until };
}

beforeAll(async () => {
  const db = await memoryStore();
  store = db.store;
  close = () => db.connection.close();
  fake = await FakeOllama.start();
  parley = inProcessApp(store);
  user = (await store.createUser({ id: crypto.randomUUID(), username: "streamer", passwordHash: "x" }))!;
  roomId = (await store.createRoom({ id: crypto.randomUUID(), name: "stream", topic: "", createdBy: user.id, createdAt: new Date() }))!.id;
});
afterAll(async () => {
  await fake.close();
  await close();
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.reply = () => ({ tokens: [" the", " retro", " at", " 4"] });
});

describe("suggest frames", () => {
  it("stream suggestion deltas, then done, each naming its source", async () => {
    const s = session(await suggester());
    s.send({ type: "suggest", roomId, text: "see you at", requestId: "r1" });
    await s.until(() => s.of("r1").some((f) => f.done));
    expect(s.of("r1").map(({ delta, done, source }) => ({ delta, done, source }))).toEqual([
      { delta: " the", done: false, source: "ollama" },
      { delta: " retro", done: false, source: "ollama" },
      { delta: " at", done: false, source: "ollama" },
      { delta: " 4", done: false, source: "ollama" },
      { delta: "", done: true, source: "ollama" },
    ]);
  });

  it("a newer suggest aborts the one in flight, and the abort reaches Ollama", async () => {
    fake.reply = (call) => (call.body.prompt.endsWith("first") ? { tokens: Array(50).fill(" slow"), tokenDelayMs: 40 } : { tokens: [" fast"] });
    const s = session(await suggester());
    s.send({ type: "suggest", roomId, text: "first", requestId: "r1" });
    await s.until(() => s.of("r1").length > 0);
    s.send({ type: "suggest", roomId, text: "second", requestId: "r2" });
    await s.until(() => s.of("r2").some((f) => f.done));
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
    expect(s.of("r1").some((f) => f.done)).toBe(false);
    expect(
      s
        .of("r2")
        .map((f) => f.delta)
        .join(""),
    ).toBe(" fast");
  });

  it("past the deadline, a suggestion ends with done and no text", async () => {
    fake.reply = () => ({ tokens: [" partial"], hang: true });
    const s = session(await suggester({ deadlineMs: 300 }));
    const started = performance.now();
    s.send({ type: "suggest", roomId, text: "hang", requestId: "r1" });
    await s.until(() => s.of("r1").some((f) => f.done));
    const last = s.of("r1").at(-1)!;
    expect(last).toMatchObject({ done: true, delta: "", source: "ollama" });
    expect(last.at - started).toBeLessThan(1000);
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
  });

  it("over the quota, an error frame with rate_limited, retryAfter and the requestId", async () => {
    const s = session(await suggester({ rate: { max: 1, windowSeconds: 60 } }));
    s.send({ type: "suggest", roomId, text: "a", requestId: "r1" });
    await s.until(() => s.of("r1").some((f) => f.done));
    s.send({ type: "suggest", roomId, text: "b", requestId: "r2" });
    await s.until(() => s.frames.some((f) => f.type === "error"));
    expect(s.frames.find((f) => f.type === "error")).toMatchObject({ code: "rate_limited", requestId: "r2", retryAfter: 60 });
  });

  it("chat is not slowed while suggestions stream", async () => {
    fake.reply = () => ({ tokens: Array(40).fill(" word"), tokenDelayMs: 25 });
    const streams = await suggester();
    const typists = Array.from({ length: 4 }, () => session(streams));
    typists.forEach((t, i) => t.send({ type: "suggest", roomId, text: `slow ${i}`, requestId: `s${i}` }));
    await Promise.all(typists.map((t, i) => t.until(() => t.of(`s${i}`).length > 0)));
    const chat = session(streams);
    const sentAt: number[] = [];
    for (let i = 0; i < 20; i++) {
      sentAt.push(performance.now());
      chat.send({ type: "message", roomId, body: `hello ${i}`, clientId: `c${i}` });
      await new Promise((r) => setTimeout(r, 5));
    }
    await chat.until(() => chat.frames.filter((f) => f.type === "ack").length === 20);
    const acks = chat.frames.filter((f) => f.type === "ack");
    expect(acks).toHaveLength(20);
    const latencies = acks.map((a, i) => a.at - sentAt[i]!).sort((a, b) => a - b);
    expect(latencies[19]).toBeLessThan(200);
    // The suggestions were still streaming the whole time.
    expect(typists.every((t, i) => !t.of(`s${i}`).some((f) => f.done))).toBe(true);
    typists.forEach((t) => void t.ws.close());
  });
});
