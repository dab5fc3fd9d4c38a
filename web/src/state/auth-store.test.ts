import { describe, expect, it } from "vitest";
import { createRoot } from "solid-js";
import { HttpClient } from "../transport/http-client.ts";
import { createAuthStore } from "./auth-store.ts";

/** The auth store against a canned server answer, with an in-memory storage. */
function setup(status: number, body: unknown, headers: Record<string, string> = {}) {
  const saved = new Map<string, string>();
  const storage = {
    getItem: (k: string) => saved.get(k) ?? null,
    setItem: (k: string, v: string) => void saved.set(k, v),
    removeItem: (k: string) => void saved.delete(k),
  };
  const calls: string[] = [];
  const requests: Array<{ method?: string; path: string; authorization?: string }> = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    calls.push(url);
    requests.push({ method: init?.method, path: url, authorization: (init?.headers as Record<string, string> | undefined)?.authorization });
    return new Response(JSON.stringify(body), { status, headers });
  }) as typeof globalThis.fetch;
  return createRoot(() => {
    let auth: ReturnType<typeof createAuthStore>;
    const http = new HttpClient({ token: () => auth.token(), fetch });
    auth = createAuthStore(() => http, storage);
    return { auth, saved, calls, requests };
  });
}
const error = (code: string, message: string) => ({ error: { code, message } });

describe("auth store", () => {
  it("keeps the session across reloads and forgets it on sign-out", async () => {
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const { auth, saved, requests } = setup(201, { user: { id: "u1", username: "alice" }, token: "t", expiresAt });
    expect(await auth.signIn("register", "alice", "long enough")).toBeUndefined();
    expect(auth.user()?.username).toBe("alice");
    expect(JSON.parse(saved.get("parley.session")!).token).toBe("t");
    auth.signOut();
    expect(saved.has("parley.session")).toBe(false);
    expect(requests.at(-1)).toMatchObject({ method: "POST", path: "/api/auth/logout", authorization: "Bearer t" });
  });

  it("says clearly what went wrong", async () => {
    expect(await setup(409, error("conflict", "username taken")).auth.signIn("register", "alice", "long enough")).toBe(
      "That username is taken. Pick another one.",
    );
    expect(await setup(401, error("unauthorized", "invalid credentials")).auth.signIn("login", "alice", "whatever1")).toBe("Wrong username or password.");
    expect(await setup(429, error("rate_limited", "too many"), { "retry-after": "42" }).auth.signIn("login", "alice", "whatever1")).toBe(
      "Too many attempts. Try again in 42 seconds.",
    );
  });

  it("checks a weak password before asking the server", async () => {
    const { auth, calls } = setup(201, {});
    expect(await auth.signIn("register", "alice", "short")).toBe("Password must be at least 8 bytes");
    expect(await auth.signIn("register", "a!", "long enough")).toMatch(/^Username must be/);
    expect(calls).toEqual([]);
  });
});
