import type { Store } from "@parley/db";
import type { ServerFrame } from "@parley/protocol";
import { silentLogger, systemClock } from "@parley/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, inProcessApp, signedInApp } from "../../test/support/in-process.ts";
import type { ParleyApp } from "./app.ts";
import { MessageService } from "./messages/message-service.ts";
import { bcryptjsHasher } from "./ports/password-hasher.ts";
import { noSuggester } from "./ports/suggester.ts";
import { WsSession } from "./realtime/ws-session.ts";

let store: Store;
let parley: ParleyApp;
let token: string;
let roomId: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ store, parley, token, roomId, close } = await signedInApp("validator"));
});
afterAll(() => close());

describe("HTTP validation", () => {
  const emoji4001 = "😀".repeat(4001);
  const cases: Array<[string, string, string, unknown, number, RegExp]> = [
    ["register: short username", "POST", "/api/auth/register", { username: "ab", password: "long enough pw" }, 400, /username/],
    ["register: long username", "POST", "/api/auth/register", { username: "a".repeat(33), password: "long enough pw" }, 400, /username/],
    ["register: bad characters", "POST", "/api/auth/register", { username: "bob smith", password: "long enough pw" }, 400, /username/],
    ["register: short password", "POST", "/api/auth/register", { username: "bobby", password: "short" }, 400, /password/],
    ["register: 73-byte password", "POST", "/api/auth/register", { username: "bobby", password: "a".repeat(73) }, 400, /72 bytes/],
    ["register: 25 three-byte characters (75 bytes)", "POST", "/api/auth/register", { username: "bobby", password: "€".repeat(25) }, 400, /72 bytes/],
    ["register: missing fields", "POST", "/api/auth/register", {}, 400, /username/],
    ["register: an array", "POST", "/api/auth/register", [1, 2], 400, /expected object/i],
    ["register: not JSON", "POST", "/api/auth/register", "{nope", 400, /not valid JSON/],
    ["login: number as username", "POST", "/api/auth/login", { username: 42, password: "long enough pw" }, 400, /username/],
    ["room: empty name", "POST", "/api/rooms", { name: "   " }, 400, /empty/],
    ["room: 65-character name", "POST", "/api/rooms", { name: "r".repeat(65) }, 400, /64/],
    ["room: control character in name", "POST", "/api/rooms", { name: "a\u0007b" }, 400, /control/],
    ["room: 257-character topic", "POST", "/api/rooms", { name: "fine", topic: "t".repeat(257) }, 400, /256/],
    ["message: empty body", "POST", "/api/rooms/:room/messages", { body: "" }, 400, /empty/],
    ["message: whitespace body", "POST", "/api/rooms/:room/messages", { body: " \n\t " }, 400, /empty/],
    ["message: 4001 emoji", "POST", "/api/rooms/:room/messages", { body: emoji4001 }, 400, /4000/],
    ["message: NUL", "POST", "/api/rooms/:room/messages", { body: "a\u0000b" }, 400, /control/],
    ["message: lone surrogate", "POST", "/api/rooms/:room/messages", { body: "a\ud800b" }, 400, /Unicode/],
    ["message: clientId with spaces", "POST", "/api/rooms/:room/messages", { body: "hi", clientId: "a b" }, 400, /clientId/],
    ["message: clientId too long", "POST", "/api/rooms/:room/messages", { body: "hi", clientId: "c".repeat(65) }, 400, /clientId/],
    ["history: limit 0", "GET", "/api/rooms/:room/messages?limit=0", undefined, 400, /limit/],
    ["history: limit 101", "GET", "/api/rooms/:room/messages?limit=101", undefined, 400, /limit/],
    ["history: limit abc", "GET", "/api/rooms/:room/messages?limit=abc", undefined, 400, /limit/],
    ["history: negative beforeSeq", "GET", "/api/rooms/:room/messages?beforeSeq=-1", undefined, 400, /beforeSeq/],
    ["history: fractional afterSeq", "GET", "/api/rooms/:room/messages?afterSeq=1.5", undefined, 400, /afterSeq/],
    ["history: empty beforeSeq", "GET", "/api/rooms/:room/messages?beforeSeq=", undefined, 400, /beforeSeq/],
    ["room id not a UUID", "GET", "/api/rooms/not-a-uuid/messages", undefined, 404, /not found/],
    ["unknown room", "GET", "/api/rooms/00000000-0000-4000-8000-000000000000", undefined, 404, /room not found/],
  ];

  it.each(cases)("%s", async (_name, method, path, body, status, message) => {
    const res = await call(parley, method, path.replace(":room", roomId), { token, body });
    expect(res.status).toBe(status);
    expect(Object.keys(res.json)).toEqual(["error"]);
    expect(res.json.error.message).toMatch(message);
    expect(res.json.error.code).toBe({ 400: "invalid_request", 404: "not_found" }[status]);
  });

  it("refuses a body over 64 KiB with 413, by declared length and by content", async () => {
    const big = JSON.stringify({ body: "x".repeat(70_000) });
    const declared = await call(parley, "POST", `/api/rooms/${roomId}/messages`, { token, body: big });
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe("too_large");
    const chunked = await parley.app.request(`/api/rooms/${roomId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(big));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it.each(["text/plain", "application/json-patch+json", "application/jsonx"])("asks for JSON when the content type is %s", async (type) => {
    const res = await call(parley, "POST", "/api/rooms", { token, body: { name: "x" }, headers: { "content-type": type } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/application\/json/);
  });

  it("answers 401 without a token and 429 with Retry-After past the login limit", async () => {
    expect((await call(parley, "GET", "/api/me")).status).toBe(401);
    const strict = inProcessApp(store, {
      settings: {
        rates: {
          message: { max: 10, windowSeconds: 60 },
          login: { max: 2, windowSeconds: 60 },
          register: { max: 10, windowSeconds: 60 },
          frame: { max: 1800, windowSeconds: 60 },
        },
      },
    });
    const attempt = () => call(strict, "POST", "/api/auth/login", { body: { username: "validator", password: "wrong password" } });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) statuses.push((last = await attempt()).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(last!.headers.get("ratelimit-limit")).toBe("2");
  });

  it("runs one bcrypt compare and answers the same for an unknown user and a wrong password", async () => {
    const real = bcryptjsHasher(10);
    let compares = 0;
    const counting = { hash: real.hash, verify: (p: string, h: string) => (compares++, real.verify(p, h)) };
    const app = inProcessApp(store, { hasher: counting });
    const unknown = await call(app, "POST", "/api/auth/login", { body: { username: "nobody_here", password: "long enough pw" } });
    expect(compares).toBe(1);
    const wrong = await call(app, "POST", "/api/auth/login", { body: { username: "validator", password: "not the password" } });
    expect(compares).toBe(2);
    expect([unknown.status, unknown.json]).toEqual([wrong.status, wrong.json]);
    expect(wrong.status).toBe(401);
  });

  it("stores bcrypt hashes of cost 10", async () => {
    const user = await store.findUserByName("validator");
    expect(user?.passwordHash).toMatch(/^\$2[aby]\$10\$/);
  });

  it("revokes a token on sign-out; the user's other tokens keep working", async () => {
    const other = (await call(parley, "POST", "/api/auth/login", { body: { username: "validator", password: "long enough pw" } })).json.token;
    const mine = (await call(parley, "POST", "/api/auth/login", { body: { username: "validator", password: "long enough pw" } })).json.token;
    expect((await call(parley, "POST", "/api/auth/logout", { token: mine })).status).toBe(200);
    const after = await call(parley, "GET", "/api/me", { token: mine });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toMatch(/revoked/);
    expect((await call(parley, "GET", "/api/me", { token: other })).status).toBe(200);
  });

  it("limits how many rooms a user creates, with 429 and Retry-After", async () => {
    const strict = inProcessApp(store, {
      settings: {
        rates: {
          message: { max: 10, windowSeconds: 60 },
          login: { max: 10, windowSeconds: 60 },
          register: { max: 10, windowSeconds: 60 },
          frame: { max: 1800, windowSeconds: 60 },
          room: { max: 6, windowSeconds: 3600 },
        },
      },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(strict, "POST", "/api/rooms", { token, body: { name: `limited-${i}` } })).status);
    expect(statuses).toEqual([201, 429, 429]); // bursts of max/6 = 1
  });

  it("echoes x-request-id and names the worker", async () => {
    const res = await call(parley, "GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect(res.headers.get("x-served-by")).toBe("test-worker");
  });
});

describe("WebSocket frame validation", () => {
  const session = () => {
    const frames: ServerFrame[] = [];
    const closes: number[] = [];
    const user = { id: crypto.randomUUID(), username: "framer" };
    const messages = new MessageService(store, parley.hub, systemClock, { max: 1000, windowSeconds: 60 });
    const ws = new WsSession(
      { id: crypto.randomUUID(), user, version: 1, send: (t) => frames.push(JSON.parse(t)), close: (code) => closes.push(code) },
      { hub: parley.hub, messages, suggester: noSuggester, clock: systemClock, logger: silentLogger, frameRate: { max: 1800, windowSeconds: 60 } },
    );
    return { ws, frames, closes };
  };

  it.each([
    ["not JSON", "{", /JSON objects/],
    ["a JSON array", "[]", /JSON objects/],
    ["an unknown type", JSON.stringify({ type: "shout" }), /unknown frame type/],
    ["a message without clientId", JSON.stringify({ type: "message", roomId: "r", body: "hi" }), /clientId/],
    ["a message with an empty body", JSON.stringify({ type: "message", roomId: "r", body: " ", clientId: "c" }), /empty/],
    ["a subscribe with a negative afterSeq", JSON.stringify({ type: "subscribe", roomId: "r", afterSeq: -1 }), /afterSeq/],
    ["a suggest without requestId", JSON.stringify({ type: "suggest", roomId: "r", text: "hi" }), /requestId/],
  ])("answers %s with an error frame and stays open", async (_name, text, message) => {
    const { ws, frames, closes } = session();
    ws.receive(text);
    ws.receive(JSON.stringify({ type: "ping" }));
    expect(frames[0]).toMatchObject({ type: "error", code: "invalid_request" });
    expect((frames[0] as { message: string }).message).toMatch(message);
    expect(frames[1]).toEqual({ type: "pong" });
    expect(closes).toEqual([]);
  });

  it("keeps the clientId of a bad message frame so the client can match the error", () => {
    const { ws, frames } = session();
    ws.receive(JSON.stringify({ type: "message", roomId: "r", body: "", clientId: "c-9" }));
    expect(frames[0]).toMatchObject({ type: "error", clientId: "c-9" });
  });

  it("closes with 1009 on an oversized frame and 1008 after a flood of rejected frames", () => {
    const big = session();
    big.ws.receive("x".repeat(70_000));
    expect(big.closes).toEqual([1009]);
    const flood = session();
    for (let i = 0; i < 200 && flood.closes.length === 0; i++) flood.ws.receive("nope");
    expect(flood.closes).toEqual([1008]);
    expect(flood.frames.length).toBeGreaterThanOrEqual(20);
  });
});
