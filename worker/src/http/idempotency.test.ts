import { schema, type Database, type Store } from "@parley/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, inProcessApp, memoryStore } from "../../../test/support/in-process.ts";
import { ManualClock } from "@parley/common";
import { bcryptjsHasher } from "../ports/password-hasher.ts";
import { IDEMPOTENCY_TTL_MS } from "./idempotency.ts";

const key = (k: string) => ({ "idempotency-key": k });
/** Cheap hashing: these tests register many users and hash nothing they check. */
const hasher = bcryptjsHasher(4);
/** One embedded database for the file: every test makes its own users and rooms. */
let base: Store;
let db: Database;
let closeBase: () => Promise<void>;
beforeAll(async () => {
  const { store, connection } = await memoryStore();
  base = store;
  db = connection.db;
  closeBase = () => connection.close();
});
afterAll(() => closeBase());

/** A signed-in user with a room, on an app over `store` (the shared one unless a test wraps it). */
const fixture = async (name: string, options: Parameters<typeof inProcessApp>[1] = {}, store: Store = base) => {
  const parley = inProcessApp(store, { hasher, ...options });
  const token: string = (await call(parley, "POST", "/api/auth/register", { body: { username: name, password: "long enough pw" } })).json.token;
  const roomId: string = (await call(parley, "POST", "/api/rooms", { token, body: { name: `${name}-room` } })).json.room.id;
  return { parley, token, roomId, store };
};
const roomCount = async (store: Store) => (await store.listRooms({ limit: 500 })).length;

describe("Idempotency-Key", () => {
  it("answers a repeated create-room with the first 201 and stores one room", async () => {
    const { parley, token, store } = await fixture("idem1");
    const before = await roomCount(store);
    const first = await call(parley, "POST", "/api/rooms", { token, body: { name: "once" }, headers: key("create-1") });
    const again = await call(parley, "POST", "/api/rooms", { token, body: { name: "once" }, headers: key("create-1") });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotency-replayed")).toBeNull();
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(await roomCount(store)).toBe(before + 1);
    // Without the key the same body is a new request: the name is taken.
    expect((await call(parley, "POST", "/api/rooms", { token, body: { name: "once" } })).status).toBe(409);
  });

  it("answers a repeated message POST without clientId with the first message, stored once", async () => {
    const { parley, token, roomId, store } = await fixture("idem2");
    const path = `/api/rooms/${roomId}/messages`;
    const first = await call(parley, "POST", path, { token, body: { body: "hello" }, headers: key("m-1") });
    const again = await call(parley, "POST", path, { token, body: { body: "hello" }, headers: key("m-1") });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.json.message).toEqual(first.json.message);
    expect((await store.history(roomId, { limit: 10 })).messages).toHaveLength(1);
  });

  it("refuses the key with another body or path (422) and keeps keys apart per user", async () => {
    const { parley, token, roomId } = await fixture("idem3");
    await call(parley, "POST", "/api/rooms", { token, body: { name: "first" }, headers: key("k") });
    const otherBody = await call(parley, "POST", "/api/rooms", { token, body: { name: "second" }, headers: key("k") });
    expect(otherBody.status).toBe(422);
    expect(otherBody.json.error.code).toBe("idempotency_mismatch");
    const otherPath = await call(parley, "POST", `/api/rooms/${roomId}/messages`, { token, body: { name: "first" }, headers: key("k") });
    expect(otherPath.status).toBe(422);
    const bob = (await call(parley, "POST", "/api/auth/register", { body: { username: "idem3bob", password: "long enough pw" } })).json.token;
    expect((await call(parley, "POST", "/api/rooms", { token: bob, body: { name: "bobs" }, headers: key("k") })).status).toBe(201);
  });

  it("refuses a key that is not 1–128 printable ASCII characters", async () => {
    const { parley, token } = await fixture("idem4");
    for (const bad of ["k".repeat(129), "a\tb"]) {
      const res = await call(parley, "POST", "/api/rooms", { token, body: { name: "never" }, headers: key(bad) });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
    }
    expect((await call(parley, "POST", "/api/rooms", { token, body: { name: "never" }, headers: key("k".repeat(128)) })).status).toBe(201);
  });

  it("answers a repeated register with the first 201, scoped by the username", async () => {
    const parley = inProcessApp(base, { hasher });
    const body = { username: "idemreg", password: "long enough pw" };
    const first = await call(parley, "POST", "/api/auth/register", { body, headers: key("r-1") });
    const again = await call(parley, "POST", "/api/auth/register", { body, headers: key("r-1") });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.json.user).toEqual(first.json.user);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    // The replay signs a token of its own: no live token is kept in the database.
    expect(again.json.token).toEqual(expect.any(String));
    expect((await call(parley, "GET", "/api/me", { token: again.json.token })).json.user).toEqual(first.json.user);
    const kept = (await db.select().from(schema.idempotencyKeys)).filter((row) => row.scope === "register");
    expect(kept.length).toBeGreaterThan(0);
    for (const row of kept) expect(row.response).not.toContain(first.json.token);
    expect(kept.some((row) => row.response?.includes(first.json.user.id))).toBe(true);
    // The same key for another username is another sign-up; the same username with another password is not a replay.
    expect((await call(parley, "POST", "/api/auth/register", { body: { ...body, username: "idemreg2" }, headers: key("r-1") })).status).toBe(201);
    expect((await call(parley, "POST", "/api/auth/register", { body: { ...body, password: "another password" }, headers: key("r-1") })).status).toBe(422);
  });

  it("answers 409 with Retry-After 1 while the first request still runs", async () => {
    const store = base;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow: Store = {
      ...store,
      createRoom: async (room) => {
        if (room.name === "slow") await gate;
        return store.createRoom(room);
      },
    };
    const { parley, token } = await fixture("idemslow", {}, slow);
    const first = call(parley, "POST", "/api/rooms", { token, body: { name: "slow" }, headers: key("s") });
    await new Promise((r) => setTimeout(r, 100));
    const during = await call(parley, "POST", "/api/rooms", { token, body: { name: "slow" }, headers: key("s") });
    expect(during.status).toBe(409);
    expect(during.headers.get("retry-after")).toBe("1");
    open();
    expect((await first).status).toBe(201);
    expect((await call(parley, "POST", "/api/rooms", { token, body: { name: "slow" }, headers: key("s") })).json).toEqual((await first).json);
  });

  it("stores no error: after a 500 or a 4xx the same key runs again", async () => {
    const store = base;
    let failures = 0;
    const flaky: Store = { ...store, createRoom: async (room) => (failures-- > 0 ? Promise.reject(new Error("boom")) : store.createRoom(room)) };
    const { parley, token } = await fixture("idemflaky", {}, flaky);
    failures = 1;
    expect((await call(parley, "POST", "/api/rooms", { token, body: { name: "flaky" }, headers: key("f") })).status).toBe(500);
    expect((await call(parley, "POST", "/api/rooms", { token, body: { name: "" }, headers: key("f") })).status).toBe(400);
    const retried = await call(parley, "POST", "/api/rooms", { token, body: { name: "flaky" }, headers: key("f") });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotency-replayed")).toBeNull();
  });

  it("keeps an answer 24 hours, then the key is free again", async () => {
    const clock = new ManualClock(Date.now());
    const { parley, token, roomId, store } = await fixture("idem5", { clock, settings: { jwtTtlSeconds: 3 * 24 * 3600 } });
    const path = `/api/rooms/${roomId}/messages`;
    await call(parley, "POST", path, { token, body: { body: "once a day" }, headers: key("d") });
    clock.advance(IDEMPOTENCY_TTL_MS - 60_000);
    expect((await call(parley, "POST", path, { token, body: { body: "once a day" }, headers: key("d") })).headers.get("idempotency-replayed")).toBe("true");
    clock.advance(120_000);
    expect((await call(parley, "POST", path, { token, body: { body: "once a day" }, headers: key("d") })).headers.get("idempotency-replayed")).toBeNull();
    expect((await store.history(roomId, { limit: 10 })).messages).toHaveLength(2);
  });
});
