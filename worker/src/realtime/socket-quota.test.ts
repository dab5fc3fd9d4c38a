import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@parley/common";
import { SocketQuota } from "./socket-quota.ts";

afterEach(() => vi.useRealTimers());

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ApiError ? { status: error.status, code: error.code, retryAfter: error.retryAfter } : error;
  }
  return undefined;
};

describe("SocketQuota", () => {
  it("caps sockets per user, and gives a place back when one closes", () => {
    const quota = new SocketQuota({ perUser: 2, perAddress: 100 });
    const a = quota.take("alice", "10.0.0.1");
    quota.take("alice", "10.0.0.2");
    expect(refusal(() => quota.take("alice", "10.0.0.3"))).toEqual({ status: 429, code: "rate_limited", retryAfter: 1 });
    a.release();
    a.release(); // twice is once
    expect(quota.count({ userId: "alice" })).toBe(1);
    expect(refusal(() => quota.take("alice", "10.0.0.3"))).toBeUndefined();
  });

  it("lets many users share an address up to its own, larger cap", () => {
    const quota = new SocketQuota({ perUser: 2, perAddress: 24 });
    for (let i = 0; i < 24; i++) quota.take(`user-${i}`, "nat");
    expect(refusal(() => quota.take("user-24", "nat"))).toMatchObject({ status: 429 });
    expect(refusal(() => quota.take("user-24", "elsewhere"))).toBeUndefined();
  });

  it("gives back the place of an upgrade that never opened", () => {
    vi.useFakeTimers();
    const quota = new SocketQuota({ perUser: 1, perAddress: 10 });
    quota.take("bob", "a");
    vi.advanceTimersByTime(10_000);
    expect(quota.count({ userId: "bob" })).toBe(0);
    const opened = quota.take("bob", "a");
    opened.opened();
    vi.advanceTimersByTime(60_000);
    expect(quota.count({ userId: "bob" })).toBe(1);
  });
});
