import fc from "fast-check";
import type { Store } from "@parley/db";
import type { ServerFrame } from "@parley/protocol";
import { silentLogger, systemClock } from "@parley/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, signedInApp } from "../../test/support/in-process.ts";
import type { ParleyApp } from "./app.ts";
import { MessageService } from "./messages/message-service.ts";
import { noSuggester } from "./ports/suggester.ts";
import { WsSession } from "./realtime/ws-session.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

let store: Store;
let parley: ParleyApp;
let token: string;
let roomId: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ store, parley, token, roomId, close } = await signedInApp("fuzzer", {
    settings: {
      rates: {
        message: { max: 1e9, windowSeconds: 60 },
        login: { max: 1e9, windowSeconds: 60 },
        register: { max: 1e9, windowSeconds: 60 },
        frame: { max: 1e9, windowSeconds: 60 },
      },
    },
  }));
});
afterAll(() => close());

/** Strings that break naive servers: NUL, lone surrogates, RTL marks, SQL, huge and unicode text. */
const nasty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "\u202e",
    "' OR 1=1--",
    '"; drop table messages; --',
    "%",
    "_",
    "\\",
    "null",
    "<script>alert(1)</script>",
    "😀".repeat(4001),
    "x".repeat(70_000),
  ),
  fc.string({ unit: "grapheme", maxLength: 50 }),
);
/** Percent-encodes like a client would; an ill-formed string goes out as invalid UTF-8 bytes. */
const enc = (s: string) => (s.isWellFormed() ? encodeURIComponent(s) : "%ED%A0%80");
const anyJson = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
);

describe("fuzzed input", () => {
  it("HTTP: every body and query answers 2xx or a 4xx error, never 5xx", async () => {
    const routes = ["/api/auth/register", "/api/auth/login", "/api/rooms", `/api/rooms/${roomId}/messages`, "/api/suggest"];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.record(
            { body: anyJson, clientId: fc.option(nasty), name: anyJson, topic: anyJson, username: anyJson, password: anyJson, roomId: anyJson, text: anyJson },
            { requiredKeys: [] },
          ),
          anyJson,
          nasty,
        ),
        async (route, body) => {
          const res = await call(parley, "POST", route, { token, body: typeof body === "string" ? body : JSON.stringify(body) });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(res.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("HTTP: fuzzed history queries and room ids never reach the database as errors", async () => {
    await fc.assert(
      fc.asyncProperty(nasty, nasty, nasty, nasty, async (id, before, after, limit) => {
        const q = `beforeSeq=${enc(before)}&afterSeq=${enc(after)}&limit=${enc(limit)}`;
        for (const path of [`/api/rooms/${enc(id)}/messages?${q}`, `/api/rooms/${roomId}/messages?${q}`, `/api/rooms?q=${enc(id)}`]) {
          const res = await call(parley, "GET", path, { token });
          expect(res.status).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it("WebSocket: every fuzzed frame is answered with an error frame or handled; the session stays open", async () => {
    const frames: ServerFrame[] = [];
    const closes: number[] = [];
    const user = { id: (await store.findUserByName("fuzzer"))!.id, username: "fuzzer" };
    const session = new WsSession(
      { id: "fuzz", user, version: 1, send: (t) => frames.push(JSON.parse(t)), close: (code) => closes.push(code) },
      {
        hub: parley.hub,
        messages: new MessageService(store, parley.hub, systemClock, { max: 1e9, windowSeconds: 60 }),
        suggester: noSuggester,
        clock: systemClock,
        logger: silentLogger,
        frameRate: { max: 1e9, windowSeconds: 60 },
      },
    );
    const frame = fc.oneof(
      nasty,
      anyJson.map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            type: fc.constantFrom("subscribe", "unsubscribe", "message", "typing", "suggest", "ping", "nope"),
            roomId: fc.oneof(nasty, fc.constant(roomId)),
            body: anyJson,
            clientId: anyJson,
            afterSeq: anyJson,
            text: anyJson,
            requestId: anyJson,
          },
          { requiredKeys: ["type"] },
        )
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        session.receive(text);
        await new Promise((r) => setImmediate(r));
      }),
      { numRuns: RUNS },
    );
    await new Promise((r) => setTimeout(r, 200));
    const errors = frames.filter((f) => f.type === "error");
    expect(errors.every((e) => e.code !== "internal")).toBe(true);
    expect(errors.length).toBeGreaterThan(RUNS / 4);
    // Only oversized frames (1009) and floods of rejected frames (1008) may close the socket.
    expect(closes.every((c) => c === 1009 || c === 1008)).toBe(true);
  });
});
