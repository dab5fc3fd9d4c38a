import type { Message } from "@parley/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeOllama } from "../../../test/support/fake-ollama.ts";
import { freePort } from "../../../test/support/worker-process.ts";
import { OllamaEngine, type OllamaSettings } from "./ollama-engine.ts";

const alice = { id: "u-alice", username: "alice" };
const history: Message[] = [
  { id: "m1", roomId: "room-a", seq: 1, user: { id: "u-bob", username: "bob" }, body: "standup at 10 tomorrow?", clientId: null, createdAt: "" },
];
const store = {
  recent: async (roomId: string, limit: number) => (roomId === "room-a" ? history.slice(-limit) : []),
  isMember: async (roomId: string) => roomId === "room-a",
};

let fake: FakeOllama;
const settings = (): OllamaSettings => ({ host: fake.url, model: "llama3.1:8b", keepAlive: "30m", maxChars: 40, contextMessages: 20, contextChars: 2000 });
const run = async (engine: OllamaEngine, text: string, signal = new AbortController().signal) => {
  const deltas: string[] = [];
  for await (const chunk of engine.suggest({ user: alice, roomId: "room-a", text, signal })) {
    expect(chunk.source).toBe("ollama");
    deltas.push(chunk.delta);
  }
  return deltas;
};

beforeAll(async () => (fake = await FakeOllama.start()));
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.models = ["llama3.1:8b"];
});

describe("OllamaEngine against an Ollama-compatible server", () => {
  it("streams a raw completion of the room's messages and the typed text, as deltas", async () => {
    fake.reply = () => ({ tokens: ["row", " at", " 10", "\n", "bob: next line"] });
    expect(await run(new OllamaEngine(settings(), store), "sure, see you tomor")).toEqual(["row", " at", " 10"]);
    const [call] = fake.calls;
    expect(call!.body).toMatchObject({ model: "llama3.1:8b", raw: true, stream: true, keep_alive: "30m", options: { stop: ["\n"], temperature: 0.2 } });
    expect(call!.body.options!.num_predict).toBeGreaterThan(0);
    expect(call!.body.prompt).toContain("bob: standup at 10 tomorrow?");
    expect(call!.body.prompt.endsWith("alice: sure, see you tomor")).toBe(true);
  });

  it("sends a bare keep_alive as seconds", async () => {
    await run(new OllamaEngine({ ...settings(), keepAlive: "-1" }, store), "hi");
    expect(fake.calls[0]!.body.keep_alive).toBe(-1);
  });

  it("cancels the HTTP request when the caller aborts", async () => {
    fake.reply = () => ({ tokens: Array(100).fill(" word"), tokenDelayMs: 20 });
    const controller = new AbortController();
    const engine = new OllamaEngine(settings(), store);
    const deltas: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of engine.suggest({ user: alice, roomId: "room-a", text: "hi", signal: controller.signal })) {
          deltas.push(chunk.delta);
          if (deltas.length === 2) controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
  });

  it("cancels a request still waiting for its headers (a model loading)", async () => {
    fake.reply = () => ({ tokens: [" late"], delayMs: 5000 });
    const signal = AbortSignal.timeout(100);
    await expect(run(new OllamaEngine(settings(), store), "hi", signal)).rejects.toThrow();
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
  });

  it("stops reading and closes the request at the length limit", async () => {
    fake.reply = () => ({ tokens: Array(200).fill("abcdefgh"), tokenDelayMs: 5 });
    const deltas = await run(new OllamaEngine({ ...settings(), maxChars: 20 }, store), "x");
    expect(deltas.join("")).toHaveLength(20);
    await fake.calls[0]!.closed;
    expect(fake.calls[0]!.cancelled).toBe(true);
  });

  it("fails on a missing model (404), garbage and a dropped connection", async () => {
    fake.models = ["mistral:7b"];
    await expect(run(new OllamaEngine(settings(), store), "hi")).rejects.toMatchObject({ status_code: 404 });
    fake.models = ["llama3.1:8b"];
    fake.reply = () => ({ garbage: "<html>502 Bad Gateway</html>", contentType: "text/html" });
    await expect(run(new OllamaEngine(settings(), store), "hi")).rejects.toThrow(/not an Ollama answer/);
    fake.reply = () => ({ garbage: '{"response": 42}\n{"model": null}\n' });
    await expect(run(new OllamaEngine(settings(), store), "hi")).rejects.toThrow(/done/);
    fake.reply = () => ({ tokens: [" a", " b", " c"], dropAfter: 1, tokenDelayMs: 5 });
    await expect(run(new OllamaEngine(settings(), store), "hi")).rejects.toThrow();
    fake.reply = () => ({ status: 503 });
    await expect(run(new OllamaEngine(settings(), store), "hi")).rejects.toMatchObject({ status_code: 503 });
  });

  it("refuses a room the user is not a member of without asking the model", async () => {
    const engine = new OllamaEngine(settings(), store);
    const stream = engine.suggest({ user: alice, roomId: "room-b", text: "hi", signal: new AbortController().signal });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: "forbidden" });
    expect(fake.calls).toHaveLength(0);
  });

  it("probes /api/tags: up, missing model, down", async () => {
    const engine = new OllamaEngine(settings(), store);
    expect(await engine.probe(AbortSignal.timeout(1000))).toBe("up");
    fake.models = ["llama3.1:70b"];
    expect(await engine.probe(AbortSignal.timeout(1000))).toBe("missing_model");
    const nowhere = new OllamaEngine({ ...settings(), host: `http://127.0.0.1:${await freePort()}` }, store);
    expect(await nowhere.probe(AbortSignal.timeout(1000))).toBe("down");
  });
});
