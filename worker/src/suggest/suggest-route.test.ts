import type { Store } from "@parley/db";
import { silentLogger, systemClock } from "@parley/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOllama } from "../../../test/support/fake-ollama.ts";
import { call, inProcessApp, memoryStore } from "../../../test/support/in-process.ts";
import { freePort } from "../../../test/support/worker-process.ts";
import { createSuggester, type SuggestSettings } from "./create-suggester.ts";

let store: Store;
let close: () => Promise<void>;
let fake: FakeOllama;
let downUrl: string;
let token: string;
let outsider: string;
let roomId: string;

const settings = (over: Partial<SuggestSettings>): SuggestSettings => ({
  engine: "auto",
  ollamaHost: fake.url,
  ollamaModel: "llama3.1:8b",
  ollamaKeepAlive: "30m",
  deadlineMs: 2000,
  rate: { max: 1000, windowSeconds: 60 },
  maxConcurrent: 4,
  contextMessages: 20,
  contextChars: 2000,
  maxChars: 80,
  ...over,
});
/** The app with a suggester built as a worker builds it, its probe done. */
async function app(over: Partial<SuggestSettings> = {}) {
  const suggester = createSuggester(settings(over), { store, clock: systemClock, logger: silentLogger });
  await suggester.probe();
  return inProcessApp(store, { suggester });
}
const suggest = (parley: ReturnType<typeof inProcessApp>, text = "see you at ", as = token, room = roomId) =>
  call(parley, "POST", "/api/suggest", { token: as, body: { roomId: room, text } });

beforeAll(async () => {
  const db = await memoryStore();
  store = db.store;
  close = () => db.connection.close();
  fake = await FakeOllama.start();
  downUrl = `http://127.0.0.1:${await freePort()}`;
  const setup = inProcessApp(store);
  token = (await call(setup, "POST", "/api/auth/register", { body: { username: "typist", password: "long enough pw" } })).json.token;
  outsider = (await call(setup, "POST", "/api/auth/register", { body: { username: "outsider", password: "long enough pw" } })).json.token;
  roomId = (await call(setup, "POST", "/api/rooms", { token, body: { name: "standups" } })).json.room.id;
  for (let i = 0; i < 3; i++) await call(setup, "POST", `/api/rooms/${roomId}/messages`, { token, body: { body: "see you at the standup" } });
});
afterAll(async () => {
  await fake.close();
  await close();
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.reply = () => ({ tokens: [" the", " retro"] });
});

describe("POST /api/suggest", () => {
  it("answers the whole suggestion and names its source", async () => {
    expect((await suggest(await app())).json).toEqual({ suggestion: "the retro", source: "ollama" });
    expect((await suggest(await app({ engine: "builtin" }))).json).toEqual({ suggestion: "the standup", source: "builtin" });
    expect((await suggest(await app({ engine: "off" }))).json).toEqual({ suggestion: "", source: "off" });
  });

  it("refuses a room the user is not in, without asking the model", async () => {
    const res = await suggest(await app(), "hi", outsider);
    expect(res.status).toBe(403);
    expect(fake.calls).toHaveLength(0);
  });

  it("with SUGGEST_ENGINE=ollama, the 21st request in a minute is 429 with Retry-After", async () => {
    const parley = await app({ engine: "ollama", rate: { max: 20, windowSeconds: 60 } });
    for (let i = 0; i < 20; i++) expect((await suggest(parley)).status).toBe(200);
    const res = await suggest(parley);
    expect(res.status).toBe(429);
    expect(res.json.error.code).toBe("rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("Ollama down: 503 within 2 s with SUGGEST_ENGINE=ollama, the built-in answer with auto; chat keeps working", async () => {
    const strict = await app({ engine: "ollama", ollamaHost: downUrl });
    const started = performance.now();
    const res = await suggest(strict);
    expect(res.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await suggest(await app({ ollamaHost: downUrl }))).json).toEqual({ suggestion: "the standup", source: "builtin" });
    expect((await call(strict, "POST", `/api/rooms/${roomId}/messages`, { token, body: { body: "still here" } })).status).toBe(201);
  });

  it("past the deadline answers an empty suggestion", async () => {
    fake.reply = () => ({ tokens: [" the", " retro"], tokenDelayMs: 100, hang: true });
    const started = performance.now();
    const res = await suggest(await app({ engine: "ollama", deadlineMs: 500 }));
    expect(res.json).toEqual({ suggestion: "", source: "ollama" });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("/readyz reports the language model's state without failing readiness", async () => {
    const down = await call(await app({ ollamaHost: downUrl }), "GET", "/readyz");
    expect(down.status).toBe(200);
    expect(down.json.suggest).toEqual({ engine: "auto", serving: "builtin", llm: "down", model: "llama3.1:8b" });
    const up = await call(await app(), "GET", "/readyz");
    expect(up.json.suggest).toMatchObject({ serving: "ollama", llm: "up" });
    expect((await call(await app({ engine: "builtin" }), "GET", "/readyz")).json.suggest).toEqual({ engine: "builtin", serving: "builtin", llm: "off" });
  });
});
