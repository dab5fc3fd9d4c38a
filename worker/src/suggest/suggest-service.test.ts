import type { Message } from "@parley/protocol";
import { type Clock, ManualClock, silentLogger, systemClock } from "@parley/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOllama, type FakeReply } from "../../../test/support/fake-ollama.ts";
import { freePort } from "../../../test/support/worker-process.ts";
import { SuggestionAbandoned } from "./abortable-stream.ts";
import { createSuggester, type SuggestSettings } from "./create-suggester.ts";

const alice = { id: "u-alice", username: "alice" };
const messages: Message[] = ["see you at the standup", "see you at the standup", "see you at lunch"].map((body, i) => ({
  id: `m${i}`,
  roomId: "room-a",
  seq: i + 1,
  user: { id: "u-bob", username: "bob" },
  body,
  clientId: null,
  createdAt: "",
}));
const store = {
  history: async (_roomId: string, { limit }: { limit: number }) => ({ messages: messages.slice(-limit), hasMore: false }),
  isMember: async () => true,
  roomIdsOf: async () => ["room-a"],
  getRoom: async () => ({ kind: "room", visibility: "public" }),
} as never;

let fake: FakeOllama;
let downUrl: string;
beforeAll(async () => {
  fake = await FakeOllama.start();
  downUrl = `http://127.0.0.1:${await freePort()}`;
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.models = ["llama3.1:8b"];
  fake.reply = () => ({ tokens: [" the", " standup"] });
});

const settings = (over: Partial<SuggestSettings> = {}): SuggestSettings => ({
  engine: "auto",
  ollamaHost: fake.url,
  ollamaModel: "llama3.1:8b",
  ollamaKeepAlive: "5m",
  deadlineMs: 400,
  rate: { max: 30, windowSeconds: 60 },
  maxConcurrent: 4,
  contextMessages: 20,
  contextChars: 2000,
  maxChars: 80,
  ...over,
});
/** A suggester whose probe has run. */
async function service(over: Partial<SuggestSettings> = {}, clock: Clock = systemClock) {
  const s = createSuggester(settings(over), { store, clock, logger: silentLogger, probeIntervalMs: 10_000 });
  await s.probe();
  return s;
}
async function ask(s: Awaited<ReturnType<typeof service>>, text = "see you at ", signal = new AbortController().signal) {
  const started = performance.now();
  let delta = "";
  const sources = new Set<string>();
  for await (const chunk of s.suggest({ user: alice, roomId: "room-a", text, signal })) {
    delta += chunk.delta;
    sources.add(chunk.source);
  }
  return { delta, source: [...sources].join(","), ms: performance.now() - started };
}

describe("SuggestService", () => {
  it("auto: streams from Ollama while it answers its probe", async () => {
    const s = await service();
    expect(await ask(s)).toMatchObject({ delta: "the standup", source: "ollama" });
    expect(s.status()).toEqual({ engine: "auto", serving: "ollama", llm: "up", model: "llama3.1:8b" });
  });

  it("auto: Ollama down, missing its model, or answering garbage → the built-in suggestion, within the deadline", async () => {
    const down = await service({ ollamaHost: downUrl });
    expect(down.status()).toMatchObject({ serving: "builtin", llm: "down" });
    expect(await ask(down)).toMatchObject({ delta: "the standup", source: "builtin" });

    fake.models = [];
    expect((await service()).status()).toMatchObject({ llm: "missing_model" });

    const failures: Array<[FakeReply, string]> = [
      [{ status: 404, error: "model not found" }, "missing_model"],
      [{ garbage: "\u0000\u0001 nope" }, "failing"],
      [{ tokens: [" a"], dropAfter: 0 }, "down"],
    ];
    for (const [reply, state] of failures) {
      fake.models = ["llama3.1:8b"];
      const s = await service();
      fake.reply = () => reply;
      const answer = await ask(s);
      expect(answer).toMatchObject({ delta: "the standup", source: "builtin" });
      expect(answer.ms).toBeLessThan(400);
      expect(s.status().llm).toBe(state);
    }
  });

  it("auto: a model that has not started answering by half the deadline gives way to the built-in engine, and is cancelled", async () => {
    const s = await service({ deadlineMs: 1000 });
    fake.reply = () => ({ tokens: [" late"], delayMs: 3000 });
    const answer = await ask(s);
    expect(answer).toMatchObject({ delta: "the standup", source: "builtin" });
    expect(answer.ms).toBeGreaterThanOrEqual(490);
    expect(answer.ms).toBeLessThan(1000);
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
    expect(s.status().llm).toBe("slow");
  });

  it("abandons a suggestion at the deadline and cancels the request to Ollama", async () => {
    // The model starts well before half the deadline (so auto keeps it), then hangs. A deadline
    // far above the first token's delay keeps a loaded machine from turning this into the fallback case.
    const s = await service({ deadlineMs: 1500 });
    fake.reply = () => ({ tokens: [" first", " second"], tokenDelayMs: 50, hang: true });
    const started = performance.now();
    const error = await ask(s).catch((e) => e);
    expect(error).toBeInstanceOf(SuggestionAbandoned);
    expect(error.source).toBe("ollama");
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
    expect(performance.now() - started).toBeLessThan(3000);
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
  });

  it("passes the caller's abort (a newer suggest) on to Ollama", async () => {
    const s = await service();
    fake.reply = () => ({ tokens: Array(50).fill(" x"), tokenDelayMs: 30 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    await expect(ask(s, "see you at ", controller.signal)).rejects.toThrow();
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
  });

  it("quota: over it, auto falls back to the built-in engine and ollama answers rate_limited", async () => {
    const auto = await service({ rate: { max: 3, windowSeconds: 60 } });
    const sources = [];
    for (let i = 0; i < 5; i++) sources.push((await ask(auto)).source);
    expect(sources).toEqual(["ollama", "ollama", "ollama", "builtin", "builtin"]);
    const strict = await service({ engine: "ollama", rate: { max: 3, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) await ask(strict);
    await expect(ask(strict)).rejects.toMatchObject({ code: "rate_limited", retryAfter: 20 });
    expect(fake.calls).toHaveLength(6);
  });

  it("caps concurrent model requests without queueing: the rest go built-in (auto) or are refused (ollama)", async () => {
    fake.reply = () => ({ tokens: [" slow", " one"], tokenDelayMs: 100 });
    const auto = await service({ maxConcurrent: 2, deadlineMs: 2000 });
    const answers = await Promise.all([ask(auto), ask(auto), ask(auto), ask(auto)]);
    expect(answers.map((a) => a.source).sort()).toEqual(["builtin", "builtin", "ollama", "ollama"]);
    const strict = await service({ engine: "ollama", maxConcurrent: 1, deadlineMs: 2000 });
    const results = await Promise.allSettled([ask(strict), ask(strict)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "unavailable" });
  });

  it("ollama: a model that is down answers unavailable at once", async () => {
    const s = await service({ engine: "ollama", ollamaHost: downUrl });
    const started = performance.now();
    await expect(ask(s)).rejects.toMatchObject({ code: "unavailable" });
    // "At once" means without waiting for the 2 s deadline; the margin allows a busy machine.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("re-probes in the background and goes back to the model once it is there", async () => {
    const clock = new ManualClock();
    fake.models = [];
    const s = await service({}, clock);
    expect((await ask(s)).source).toBe("builtin");
    fake.models = ["llama3.1:8b"];
    clock.advance(10_000);
    expect((await ask(s)).source).toBe("builtin");
    await s.probe();
    expect((await ask(s)).source).toBe("ollama");
    expect(fake.tagsCalls).toBeGreaterThanOrEqual(2);
  });

  it("builtin and off never call a model", async () => {
    expect(await ask(await service({ engine: "builtin" }))).toMatchObject({ delta: "the standup", source: "builtin" });
    expect(await ask(await service({ engine: "off" }))).toMatchObject({ delta: "", source: "off" });
    expect(fake.calls).toHaveLength(0);
  });
});
