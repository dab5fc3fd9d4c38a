import type { Store } from "@parley/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, inProcessApp, memoryStore } from "../../../test/support/in-process.ts";
import type { ParleyApp } from "../app.ts";
import { ManualClock } from "@parley/common";
import { bcryptjsHasher } from "../ports/password-hasher.ts";
import { FAILED_LOGINS_PER_ACCOUNT_HOUR, FAILED_LOGINS_PER_DEVICE_HOUR } from "./auth-service.ts";

const PASSWORD = "the right password";
const hasher = bcryptjsHasher(4); // cheap hashes: these tests count attempts, not time
let store: Store;
let closeStore: () => Promise<void>;
beforeAll(async () => {
  const memory = await memoryStore();
  store = memory.store;
  closeStore = () => memory.connection.close();
});
afterAll(() => closeStore());

/** The `parley_device=<value>` pair of a response's Set-Cookie, to send back as Cookie. */
const deviceCookie = (res: { headers: Headers }) => res.headers.get("set-cookie")!.split(";")[0]!;

describe("sign-in throttling", () => {
  let clock: ManualClock;
  let parley: ParleyApp;
  let name: string;
  const login = (password: string, options: { from?: string; cookie?: string; username?: string } = {}) =>
    call(parley, "POST", "/api/auth/login", {
      body: { username: options.username ?? name, password },
      headers: { "x-forwarded-for": options.from ?? "203.0.113.7", ...(options.cookie ? { cookie: options.cookie } : {}) },
    });

  beforeEach(() => {
    clock = new ManualClock(Date.now());
    parley = inProcessApp(store, { clock, hasher, settings: { trustedProxies: ["127.0.0.1"] } });
    name = `alice_${crypto.randomUUID().slice(0, 8)}`;
  });

  it("sets the device cookie on register and login: HttpOnly, SameSite=Strict, Path=/api/auth; never in the body", async () => {
    const registered = await call(parley, "POST", "/api/auth/register", { body: { username: name, password: PASSWORD } });
    expect(registered.status).toBe(201);
    const cookie = registered.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^parley_device=[\w.~-]+; Max-Age=15552000; Path=\/api\/auth; HttpOnly; SameSite=Strict$/);
    expect(Object.keys(registered.json).sort()).toEqual(["expiresAt", "refreshExpiresAt", "refreshToken", "token", "user"]);
    const res = await login(PASSWORD);
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/^parley_device=.+HttpOnly; SameSite=Strict$/);
  });

  it("marks the cookie Secure when a trusted proxy says the client came over HTTPS, and only then", async () => {
    await call(parley, "POST", "/api/auth/register", { body: { username: name, password: PASSWORD } });
    const over = (proto: string, peer: string) =>
      call(inProcessApp(store, { clock, hasher, address: peer, settings: { trustedProxies: ["127.0.0.1"] } }), "POST", "/api/auth/login", {
        body: { username: name, password: PASSWORD },
        headers: { "x-forwarded-proto": proto },
      });
    expect((await over("https", "127.0.0.1")).headers.get("set-cookie")).toMatch(/; Secure/);
    expect((await over("http", "127.0.0.1")).headers.get("set-cookie")).not.toMatch(/Secure/);
    expect((await over("https", "198.51.100.9")).headers.get("set-cookie")).not.toMatch(/Secure/);
  });

  it("locks the account for new devices after 100 failures from anywhere, but not for a device that signed in before", async () => {
    const trusted = deviceCookie(await call(parley, "POST", "/api/auth/register", { body: { username: name, password: PASSWORD } }));
    const statuses: number[] = [];
    for (let i = 0; i < FAILED_LOGINS_PER_ACCOUNT_HOUR + 20; i++) statuses.push((await login("a wrong password", { from: `198.51.100.${i % 250}` })).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(FAILED_LOGINS_PER_ACCOUNT_HOUR);
    expect(statuses.slice(FAILED_LOGINS_PER_ACCOUNT_HOUR).every((s) => s === 429)).toBe(true);

    const stranger = await login(PASSWORD, { from: "192.0.2.1" });
    expect(stranger.status).toBe(429);
    expect(stranger.json.error.message).toMatch(/new devices/);
    // Another account's device token does not vouch for this one.
    const bob = `bob_${crypto.randomUUID().slice(0, 8)}`;
    const bobs = deviceCookie(await call(parley, "POST", "/api/auth/register", { body: { username: bob, password: PASSWORD } }));
    expect((await login(PASSWORD, { cookie: bobs })).status).toBe(429);

    const owner = await login(PASSWORD, { cookie: trusted });
    expect(owner.status).toBe(200);
    expect(owner.json.user.username).toBe(name);
    clock.advance(3600_000);
    expect((await login(PASSWORD, { from: "192.0.2.1" })).status).toBe(200);
  });

  it("gives each trusted device its own small budget of failures", async () => {
    const phone = deviceCookie(await call(parley, "POST", "/api/auth/register", { body: { username: name, password: PASSWORD } }));
    const laptop = deviceCookie(await login(PASSWORD));
    const statuses: number[] = [];
    for (let i = 0; i <= FAILED_LOGINS_PER_DEVICE_HOUR; i++) statuses.push((await login("a wrong password", { cookie: phone })).status);
    expect(statuses).toEqual([...Array(FAILED_LOGINS_PER_DEVICE_HOUR).fill(401), 429]);
    expect((await login(PASSWORD, { cookie: phone })).status).toBe(429);
    expect((await login(PASSWORD, { cookie: laptop })).status).toBe(200);
    // Right passwords are not failures: they do not spend the budget.
    for (let i = 0; i < FAILED_LOGINS_PER_DEVICE_HOUR + 2; i++) expect((await login(PASSWORD, { cookie: laptop })).status).toBe(200);
  });

  it("limits one address's logins across usernames (LOGIN_ADDRESS_RATE), not a trusted device's", async () => {
    const strict = inProcessApp(store, {
      clock,
      hasher,
      settings: { trustedProxies: ["127.0.0.1"], rates: { ...inProcessSettingsRates(), loginAddress: { max: 5, windowSeconds: 60 } } },
    });
    const trusted = deviceCookie(await call(strict, "POST", "/api/auth/register", { body: { username: name, password: PASSWORD } }));
    const attempt = (username: string, cookie?: string) =>
      call(strict, "POST", "/api/auth/login", {
        body: { username, password: "a wrong password" },
        headers: { "x-forwarded-for": "198.51.100.1", ...(cookie ? { cookie } : {}) },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt(`nobody_${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect((await attempt(name)).status).toBe(429);
    expect((await attempt(name, trusted)).status).toBe(401);
    const other = await call(strict, "POST", "/api/auth/login", {
      body: { username: "nobody_x", password: "a wrong password" },
      headers: { "x-forwarded-for": "198.51.100.2" },
    });
    expect(other.status).toBe(401);
  });
});

const inProcessSettingsRates = () => ({
  message: { max: 1000, windowSeconds: 60 },
  login: { max: 1000, windowSeconds: 60 },
  register: { max: 1000, windowSeconds: 60 },
  frame: { max: 1800, windowSeconds: 60 },
});
