import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRoot } from "solid-js";
import { HttpClient, type Session } from "../transport/http-client.ts";
import { createAuthStore } from "./auth-store.ts";

type Handler = (body: any, authorization: string | undefined) => { status: number; body: unknown };

/** The auth store against a scripted server (one handler per path) and an in-memory storage. */
function setup(routes: Record<string, Handler>, saved = new Map<string, string>(), events = new EventTarget()) {
  const storage = {
    getItem: (k: string) => saved.get(k) ?? null,
    setItem: (k: string, v: string) => void saved.set(k, v),
    removeItem: (k: string) => void saved.delete(k),
  };
  const requests: Array<{ path: string; body?: any; authorization?: string }> = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    const authorization = (init?.headers as Record<string, string> | undefined)?.authorization;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ path: url, body, authorization });
    const answer = routes[url]?.(body, authorization) ?? { status: 404, body: { error: { code: "not_found", message: "no" } } };
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof globalThis.fetch;
  return createRoot((dispose) => {
    const holder: { auth?: ReturnType<typeof createAuthStore> } = {};
    const http = new HttpClient({
      token: () => holder.auth?.token(),
      fetch,
      onUnauthorized: () => holder.auth?.forget(),
      renew: async () => (await holder.auth?.renew()) ?? false,
    });
    const auth = (holder.auth = createAuthStore(() => http, storage, undefined, events));
    /** Another tab of the profile wrote `value` (undefined: removed) to the saved session. */
    const otherTab = (value: Session | undefined) => {
      if (value) saved.set("parley.session", JSON.stringify(value));
      else saved.delete("parley.session");
      events.dispatchEvent(new StorageEvent("storage", { key: "parley.session" }));
    };
    return { auth, http, saved, requests, dispose, otherTab, events };
  });
}

const user = { id: "u1", username: "alice" };
let n = 0;
/** A session whose access token lives `ms` more. */
const session = (ms = 15 * 60_000): Session => ({
  user,
  token: `t${++n}`,
  expiresAt: new Date(Date.now() + ms).toISOString(),
  refreshToken: `r${n}`,
  refreshExpiresAt: new Date(Date.now() + 30 * 86400_000).toISOString(),
});
const unauthorized = { status: 401, body: { error: { code: "unauthorized", message: "revoked" } } };
const stored = (saved: Map<string, string>) => JSON.parse(saved.get("parley.session") ?? "null") as Session | null;

describe("auth store: staying signed in with the refresh token", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("rotates before the access token expires, with the refresh token and no bearer, and tells the socket", async () => {
    const first = session();
    const next = session();
    const { auth, saved, requests } = setup({
      "/api/auth/login": () => ({ status: 200, body: first }),
      "/api/auth/refresh": () => ({ status: 200, body: next }),
    });
    const tokens: string[] = [];
    auth.onRefreshed((token) => tokens.push(token));
    await auth.signIn("login", "alice", "long enough");
    await vi.advanceTimersByTimeAsync(12 * 60_000);
    expect(requests.filter((r) => r.path === "/api/auth/refresh")).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(requests.at(-1)).toEqual({ path: "/api/auth/refresh", body: { refreshToken: first.refreshToken }, authorization: undefined });
    expect(auth.token()).toBe(next.token);
    expect(stored(saved)?.refreshToken).toBe(next.refreshToken);
    expect(tokens).toEqual([next.token]);
  });

  it("answers a 401 with one refresh and a retry of the request", async () => {
    const first = session();
    const next = session();
    let meCalls = 0;
    const { auth, http, requests } = setup({
      "/api/auth/login": () => ({ status: 200, body: first }),
      "/api/auth/refresh": () => ({ status: 200, body: next }),
      "/api/me": (_b, authorization) => (++meCalls, authorization === `Bearer ${next.token}` ? { status: 200, body: { user } } : unauthorized),
    });
    await auth.signIn("login", "alice", "long enough");
    expect(await http.me()).toEqual({ user });
    expect(requests.map((r) => r.path)).toEqual(["/api/auth/login", "/api/me", "/api/auth/refresh", "/api/me"]);
    expect(meCalls).toBe(2);
  });

  it("signs out when the refresh is refused (a reused token revoked the session), and does not loop", async () => {
    const { auth, http, saved, requests } = setup({
      "/api/auth/login": () => ({ status: 200, body: session() }),
      "/api/auth/refresh": () => unauthorized,
      "/api/me": () => unauthorized,
    });
    await auth.signIn("login", "alice", "long enough");
    await expect(http.me()).rejects.toMatchObject({ status: 401 });
    expect(auth.user()).toBeUndefined();
    expect(saved.has("parley.session")).toBe(false);
    expect(requests.filter((r) => r.path === "/api/auth/refresh")).toHaveLength(1);
  });

  it("shares one refresh between concurrent callers", async () => {
    const { auth, requests } = setup({
      "/api/auth/login": () => ({ status: 200, body: session() }),
      "/api/auth/refresh": () => ({ status: 200, body: session() }),
    });
    await auth.signIn("login", "alice", "long enough");
    expect(await Promise.all([auth.renew(), auth.renew(), auth.renew()])).toEqual([true, true, true]);
    expect(requests.filter((r) => r.path === "/api/auth/refresh")).toHaveLength(1);
  });

  it("adopts a session another tab already rotated instead of reusing the old refresh token", async () => {
    const { auth, saved, requests } = setup({ "/api/auth/login": () => ({ status: 200, body: session() }), "/api/auth/refresh": () => unauthorized });
    await auth.signIn("login", "alice", "long enough");
    const otherTab = session();
    saved.set("parley.session", JSON.stringify(otherTab));
    expect(await auth.renew()).toBe(true);
    expect(auth.token()).toBe(otherTab.token);
    expect(requests.filter((r) => r.path === "/api/auth/refresh")).toEqual([]);
  });

  it("keeps a reloaded session whose access token expired while its refresh token lives, and renews it", async () => {
    const saved = new Map([["parley.session", JSON.stringify(session(-60_000))]]);
    const next = session();
    const { auth } = setup({ "/api/auth/refresh": () => ({ status: 200, body: next }) }, saved);
    expect(auth.user()).toEqual(user);
    await auth.ensureFresh();
    expect(auth.token()).toBe(next.token);
  });

  it("signs out everywhere: asks the server, then forgets the session", async () => {
    const first = session();
    const { auth, requests, saved } = setup({
      "/api/auth/login": () => ({ status: 200, body: first }),
      "/api/auth/logout-all": () => ({ status: 200, body: { ok: true } }),
    });
    await auth.signIn("login", "alice", "long enough");
    expect(await auth.signOutEverywhere()).toBeUndefined();
    expect(requests.at(-1)).toMatchObject({ path: "/api/auth/logout-all", authorization: `Bearer ${first.token}` });
    expect(auth.user()).toBeUndefined();
    expect(saved.has("parley.session")).toBe(false);
  });
});

describe("auth store: tabs of one profile", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("signs out when another tab signs out", async () => {
    const { auth, otherTab, requests } = setup({ "/api/auth/login": () => ({ status: 200, body: session() }) });
    await auth.signIn("login", "alice", "long enough");
    otherTab(undefined);
    expect(auth.user()).toBeUndefined();
    expect(requests.map((r) => r.path)).toEqual(["/api/auth/login"]);
  });

  it("adopts the session another tab rotated, hands the socket its token and renews on its schedule", async () => {
    const rotated = session(10 * 60_000);
    const { auth, otherTab, requests } = setup({
      "/api/auth/login": () => ({ status: 200, body: session() }),
      "/api/auth/refresh": () => ({ status: 200, body: session() }),
    });
    await auth.signIn("login", "alice", "long enough");
    const tokens: string[] = [];
    auth.onRefreshed((token) => tokens.push(token));
    otherTab(rotated);
    expect(auth.token()).toBe(rotated.token);
    expect(tokens).toEqual([rotated.token]);
    await vi.advanceTimersByTimeAsync(8 * 60_000 + 1000);
    expect(requests.filter((r) => r.path === "/api/auth/refresh").map((r) => r.body)).toEqual([{ refreshToken: rotated.refreshToken }]);
  });

  it("ignores other keys", async () => {
    const { auth, events, saved } = setup({ "/api/auth/login": () => ({ status: 200, body: session() }) });
    await auth.signIn("login", "alice", "long enough");
    saved.set("parley.suggestions", "off");
    events.dispatchEvent(new StorageEvent("storage", { key: "parley.suggestions" }));
    expect(auth.user()).toEqual(user);
  });
});

describe("auth store: a refused WebSocket upgrade", () => {
  it("ends a session the server revoked: /api/me and the refresh both answer 401", async () => {
    const { auth, requests } = setup({
      "/api/auth/login": () => ({ status: 200, body: session() }),
      "/api/me": () => unauthorized,
      "/api/auth/refresh": () => unauthorized,
    });
    await auth.signIn("login", "alice", "long enough");
    await auth.ensureFresh({ opened: false, code: 1006 });
    expect(auth.user()).toBeUndefined();
    expect(requests.map((r) => r.path)).toEqual(["/api/auth/login", "/api/me", "/api/auth/refresh"]);
  });

  it("keeps the session when the server cannot be reached, and asks nothing after a normal drop", async () => {
    let down = true;
    const { auth, http } = setup({ "/api/auth/login": () => ({ status: 200, body: session() }) });
    await auth.signIn("login", "alice", "long enough");
    const reach = vi.spyOn(http, "me").mockImplementation(() => (down ? Promise.reject(new Error("offline")) : Promise.resolve({ user })));
    await auth.ensureFresh({ opened: false, code: 1006 });
    expect(auth.user()).toEqual(user);
    down = false;
    await auth.ensureFresh({ opened: true, code: 1006 });
    expect(reach).toHaveBeenCalledTimes(1);
    await auth.ensureFresh({ opened: true, code: 1008 });
    expect(reach).toHaveBeenCalledTimes(2);
    expect(auth.user()).toEqual(user);
  });
});
