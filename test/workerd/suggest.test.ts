import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { FakeOllama } from "../support/fake-ollama.ts";
import { createMigratedDatabase, testSecret, uniqueName } from "../support/services.ts";
import { freePort } from "../support/worker-process.ts";
import { startWranglerDev, wranglerInstalled, type WranglerDev } from "../support/wrangler-process.ts";

/**
 * Autocomplete under `wrangler dev` with the Ollama engine: the `ollama` client speaks to an
 * Ollama-compatible server on loopback through workerd's fetch, streams over the WebSocket, and
 * falls back as on Node when no model answers (SUGGEST_ENGINE=auto).
 */
let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
let fake: FakeOllama;
let withModel: WranglerDev;
let withoutModel: WranglerDev;

describe.skipIf(!wranglerInstalled())("autocomplete under wrangler dev", () => {
  beforeAll(async () => {
    database = await createMigratedDatabase();
    fake = await FakeOllama.start();
    fake.reply = () => ({ tokens: [" the", " retro"] });
    const env = { JWT_SECRET: testSecret(), REGISTER_RATE: "10000/60s", LOG_LEVEL: "warn", SUGGEST_ENGINE: "auto" };
    const nobody = `http://127.0.0.1:${await freePort()}`;
    [withModel, withoutModel] = await Promise.all([
      startWranglerDev(database.url, { ...env, OLLAMA_HOST: fake.url }),
      startWranglerDev(database.url, { ...env, OLLAMA_HOST: nobody }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([withModel?.stop(), withoutModel?.stop(), fake?.close()]);
    await database?.drop();
  });

  async function typist(url: string) {
    const api = new ApiClient(url);
    await api.register(uniqueName());
    const room = await api.createRoom(uniqueName("r"));
    return { api, room };
  }

  it("streams the model's completion over HTTP and WebSocket, with source ollama", async () => {
    const { api, room } = await typist(withModel.url);
    const res = await api.request("POST", "/api/suggest", { roomId: room.id, text: "see you at " });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ suggestion: "the retro", source: "ollama" });
    expect(fake.calls.at(-1)?.body.prompt).toContain("see you at");

    const socket = await api.socket();
    socket.send({ type: "suggest", roomId: room.id, text: "see you at ", requestId: "s1" });
    const done = await socket.next("suggestion", (f) => f.requestId === "s1" && f.done);
    const deltas = socket.all("suggestion").filter((f) => f.requestId === "s1");
    expect(deltas.map((f) => f.delta).join("")).toBe("the retro");
    expect(deltas.every((f) => f.source === "ollama")).toBe(true);
    expect(done.done).toBe(true);
    await socket.close();
  });

  it("answers from the built-in engine when no model is reachable, and chat goes on", async () => {
    const { api, room } = await typist(withoutModel.url);
    const res = await api.request("POST", "/api/suggest", { roomId: room.id, text: "hel" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.source).toBe("builtin");
    expect((await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "still here" })).status).toBe(201);
  });
});
