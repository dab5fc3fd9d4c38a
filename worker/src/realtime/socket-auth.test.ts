import { CLOSE_CODES, type ServerFrame } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Sessions } from "../auth/sessions.ts";
import { TokenIssuer } from "@parley/common";
import { systemClock } from "@parley/common";
import { MemoryRevocations } from "../ports/revocations.ts";
import type { Peer } from "./peer.ts";
import { SocketAuth } from "./socket-auth.ts";

const alice = { id: "7d0c3f64-5a1c-4c55-9d1b-111111111111", username: "alice" };
const bob = { id: "7d0c3f64-5a1c-4c55-9d1b-222222222222", username: "bob" };

describe("SocketAuth: a connection lives as long as its token", () => {
  beforeEach(() => void vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => void vi.useRealTimers());

  const tokens = new TokenIssuer("s".repeat(48), 5, systemClock);
  async function connect() {
    const sessions = new Sessions(tokens, new MemoryRevocations(systemClock));
    const { token } = await tokens.issue(alice);
    const claims = await sessions.authenticate(token);
    const closes: Array<[number, string]> = [];
    const peer: Peer = {
      id: "p1",
      user: alice,
      version: 2,
      token: { jti: claims.jti, iat: claims.iat, exp: claims.exp },
      send: () => {},
      close: (code, reason) => void closes.push([code, reason]),
    };
    const replies: ServerFrame[] = [];
    return { auth: new SocketAuth(peer, sessions, systemClock), closes, replies, send: (f: ServerFrame) => void replies.push(f), sessions, peer };
  }

  it("closes with 4001 at exp", async () => {
    const { closes } = await connect();
    await vi.advanceTimersByTimeAsync(4900);
    expect(closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(closes).toEqual([[CLOSE_CODES.tokenExpired, "token expired"]]);
  });

  it("lives on a fresh token from an auth frame, until that one's exp", async () => {
    const { auth, closes, replies, send, peer } = await connect();
    await vi.advanceTimersByTimeAsync(3000);
    const fresh = await tokens.issue(alice);
    await auth.renew(fresh.token, send);
    expect(replies).toEqual([{ type: "authed", exp: fresh.exp }]);
    expect(peer.token?.exp).toBe(fresh.exp);
    await vi.advanceTimersByTimeAsync(2500); // past the first token's exp
    expect(closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(closes).toEqual([[CLOSE_CODES.tokenExpired, "token expired"]]);
  });

  it("refuses another user's token, a revoked one and garbage, and keeps the old exp", async () => {
    const { auth, closes, replies, send, sessions } = await connect();
    await auth.renew((await tokens.issue(bob)).token, send);
    const revoked = await tokens.issue(alice);
    await sessions.revoke(await sessions.authenticate(revoked.token));
    await auth.renew(revoked.token, send);
    await auth.renew("garbage", send);
    expect(replies.map((r) => r.type === "error" && r.code)).toEqual(["forbidden", "unauthorized", "unauthorized"]);
    await vi.advanceTimersByTimeAsync(5100);
    expect(closes).toHaveLength(1);
  });

  it("stops its timer when the connection ends", async () => {
    const { auth, closes } = await connect();
    auth.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(closes).toEqual([]);
  });
});
