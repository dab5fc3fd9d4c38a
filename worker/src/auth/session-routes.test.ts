import { createHash } from "node:crypto";
import type { Store } from "@parley/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, inProcessApp, memoryStore } from "../../../test/support/in-process.ts";
import type { ParleyApp } from "../app.ts";

let store: Store;
let parley: ParleyApp;
let closeStore: () => Promise<void>;
let storedHashes: () => Promise<string[]>;
let counter = 0;

beforeAll(async () => {
  const memory = await memoryStore();
  store = memory.store;
  closeStore = () => memory.connection.close();
  storedHashes = async () =>
    ((await memory.connection.db.execute(sql`select token_hash from refresh_tokens`)) as unknown as { rows: Array<{ token_hash: string }> }).rows.map(
      (r) => r.token_hash,
    );
  parley = inProcessApp(store, { settings: { jwtTtlSeconds: 900 } });
});
afterAll(() => closeStore());

const PASSWORD = "long enough pw";
async function register() {
  const res = await call(parley, "POST", "/api/auth/register", { body: { username: `sess_${++counter}_${Date.now() % 100000}`, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.json as { user: { id: string; username: string }; token: string; expiresAt: string; refreshToken: string; refreshExpiresAt: string };
}
const refresh = (refreshToken: string) => call(parley, "POST", "/api/auth/refresh", { body: { refreshToken } });
const me = (token: string) => call(parley, "GET", "/api/me", { token });

describe("sessions: short access tokens and rotating refresh tokens", () => {
  it("hands out a 15-minute access token and an opaque refresh token at sign-in", async () => {
    const session = await register();
    expect(session.refreshToken).toMatch(/^[\w-]{43}$/);
    const ttl = Date.parse(session.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(890_000);
    expect(ttl).toBeLessThanOrEqual(900_000);
    expect(Date.parse(session.refreshExpiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
    // Only its SHA-256 is stored.
    const hashes = await storedHashes();
    expect(hashes).toContain(createHash("sha256").update(session.refreshToken).digest("hex"));
    expect(hashes).not.toContain(session.refreshToken);
    const login = await call(parley, "POST", "/api/auth/login", { body: { username: session.user.username, password: PASSWORD } });
    expect(login.json.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(login.json.refreshToken).not.toBe(session.refreshToken);
  });

  it("rotates: a refresh token works once, and the new pair works", async () => {
    const session = await register();
    const first = await refresh(session.refreshToken);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ user: session.user, token: expect.any(String), refreshToken: expect.any(String) });
    expect(first.json.refreshToken).not.toBe(session.refreshToken);
    expect((await me(first.json.token)).status).toBe(200);
    const second = await refresh(first.json.refreshToken);
    expect(second.status).toBe(200);
  });

  it("revokes the whole family when a used refresh token comes back, and answers 401", async () => {
    const session = await register();
    const other = (await call(parley, "POST", "/api/auth/login", { body: { username: session.user.username, password: PASSWORD } })).json;
    const rotated = (await refresh(session.refreshToken)).json;
    const replay = await refresh(session.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.json.error.message).toMatch(/already used/);
    // The family's live refresh token and its access tokens are dead too.
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    expect((await me(rotated.token)).status).toBe(401);
    expect((await me(session.token)).status).toBe(401);
    // Another sign-in of the same user is another family.
    expect((await me(other.token)).status).toBe(200);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it("refuses an unknown refresh token and a malformed body with the error shape", async () => {
    expect((await refresh("x".repeat(43))).json).toEqual({ error: { code: "unauthorized", message: "invalid, expired or revoked refresh token" } });
    expect((await call(parley, "POST", "/api/auth/refresh", { body: {} })).status).toBe(400);
    expect((await call(parley, "POST", "/api/auth/refresh")).status).toBe(400);
  });

  it("still answers the deprecated form, but each access token refreshes once", async () => {
    const session = await register();
    const res = await call(parley, "POST", "/api/auth/refresh", { token: session.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("deprecation")).toBe("true");
    expect(res.json.refreshToken).toBeUndefined();
    expect((await me(res.json.token)).status).toBe(200);
    expect((await me(session.token)).status).toBe(401);
    expect((await call(parley, "POST", "/api/auth/refresh", { token: session.token })).status).toBe(401);
  });

  it("logout ends this device's session: its refresh token and its refreshed access tokens", async () => {
    const session = await register();
    const rotated = (await refresh(session.refreshToken)).json;
    expect((await call(parley, "POST", "/api/auth/logout", { token: session.token })).status).toBe(200);
    expect((await me(rotated.token)).status).toBe(401);
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
  });
});

describe("sign out everywhere and password change", () => {
  it("logout-all revokes every session of the user and no other user's", async () => {
    const a = await register();
    const a2 = (await call(parley, "POST", "/api/auth/login", { body: { username: a.user.username, password: PASSWORD } })).json;
    const b = await register();
    expect((await call(parley, "POST", "/api/auth/logout-all", { token: a.token })).status).toBe(200);
    for (const token of [a.token, a2.token]) expect((await me(token)).status).toBe(401);
    for (const refreshToken of [a.refreshToken, a2.refreshToken]) expect((await refresh(refreshToken)).status).toBe(401);
    expect((await me(b.token)).status).toBe(200);
    // Signing in again afterwards works.
    const again = await call(parley, "POST", "/api/auth/login", { body: { username: a.user.username, password: PASSWORD } });
    expect((await me(again.json.token)).status).toBe(200);
  });

  it("a password change checks the current password, ends every other session and answers a new one", async () => {
    const a = await register();
    const other = (await call(parley, "POST", "/api/auth/login", { body: { username: a.user.username, password: PASSWORD } })).json;
    const wrong = await call(parley, "POST", "/api/auth/password", {
      token: a.token,
      body: { currentPassword: "not it at all", newPassword: "a new password" },
    });
    expect(wrong.status).toBe(403);
    expect((await me(other.token)).status).toBe(200);
    const weak = await call(parley, "POST", "/api/auth/password", { token: a.token, body: { currentPassword: PASSWORD, newPassword: "short" } });
    expect(weak.status).toBe(400);

    const changed = await call(parley, "POST", "/api/auth/password", { token: a.token, body: { currentPassword: PASSWORD, newPassword: "a new password" } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ user: a.user, token: expect.any(String), refreshToken: expect.any(String) });
    for (const token of [a.token, other.token]) expect((await me(token)).status).toBe(401);
    expect((await refresh(other.refreshToken)).status).toBe(401);
    expect((await me(changed.json.token)).status).toBe(200);
    expect((await refresh(changed.json.refreshToken)).status).toBe(200);
    const login = (password: string) => call(parley, "POST", "/api/auth/login", { body: { username: a.user.username, password } });
    expect((await login(PASSWORD)).status).toBe(401);
    expect((await login("a new password")).status).toBe(200);
  });
});
