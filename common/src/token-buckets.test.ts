import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.ts";
import { TokenBuckets } from "./token-buckets.ts";

describe("TokenBuckets", () => {
  it("admits up to capacity at once, then refuses with a whole retryAfter of at least 1", () => {
    const buckets = new TokenBuckets(3, 1, new ManualClock());
    expect([1, 2, 3].map(() => buckets.take("k"))).toEqual([
      { ok: true, limit: 3, remaining: 2, retryAfter: 0 },
      { ok: true, limit: 3, remaining: 1, retryAfter: 0 },
      { ok: true, limit: 3, remaining: 0, retryAfter: 0 },
    ]);
    const refused = buckets.take("k");
    expect(refused).toMatchObject({ ok: false, limit: 3, remaining: 0 });
    expect(Number.isInteger(refused.retryAfter)).toBe(true);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
  });

  it("refills at its rate, never past capacity", () => {
    const clock = new ManualClock();
    const buckets = new TokenBuckets(3, 2, clock);
    for (let i = 0; i < 3; i++) buckets.take("k");
    clock.advance(499);
    expect(buckets.take("k").ok).toBe(false);
    clock.advance(1); // 500 ms at 2/s: one token
    expect(buckets.take("k").ok).toBe(true);
    expect(buckets.take("k").ok).toBe(false);
    clock.advance(60_000);
    const admitted = Array.from({ length: 10 }, () => buckets.take("k").ok).filter(Boolean).length;
    expect(admitted).toBe(3);
  });

  it("says how long until a token is back, rounded up to whole seconds", () => {
    const clock = new ManualClock();
    const slow = new TokenBuckets(1, 0.1, clock); // one token per 10 s
    slow.take("k");
    expect(slow.take("k").retryAfter).toBe(10);
    clock.advance(7_500);
    expect(slow.take("k").retryAfter).toBe(3);
    const fast = new TokenBuckets(1, 50, clock); // a token per 20 ms still answers 1 s
    fast.take("k");
    expect(fast.take("k")).toMatchObject({ ok: false, retryAfter: 1 });
  });

  it("keeps keys apart", () => {
    const buckets = new TokenBuckets(1, 1, new ManualClock());
    expect(buckets.take("alice").ok).toBe(true);
    expect(buckets.take("alice").ok).toBe(false);
    expect(buckets.take("bob").ok).toBe(true);
  });

  it("charges the cost, and peek does not take", () => {
    const buckets = new TokenBuckets(5, 1, new ManualClock());
    expect(buckets.peek("k")).toBe(true);
    expect(buckets.take("k", 4)).toMatchObject({ ok: true, remaining: 1 });
    expect(buckets.peek("k")).toBe(true);
    expect(buckets.peek("k")).toBe(true);
    expect(buckets.take("k", 2)).toMatchObject({ ok: false, remaining: 1 });
    expect(buckets.take("k")).toMatchObject({ ok: true, remaining: 0 });
    expect(buckets.peek("k")).toBe(false);
  });

  describe("perWindow", () => {
    /** A client that takes whenever it can, every step, for `windows` windows; returns the admission times. */
    function flood(max: number, windowSeconds: number, windows: number) {
      const clock = new ManualClock(0);
      const buckets = TokenBuckets.perWindow(max, windowSeconds, clock);
      // Whole milliseconds: fractional steps would let float error move an admission across a window edge.
      const step = Math.max(1, Math.floor((windowSeconds * 1000) / 500));
      const admitted: number[] = [];
      for (let t = 0; t <= windows * windowSeconds * 1000; t += step) {
        clock.advance(t - clock.now());
        while (buckets.take("k").ok) admitted.push(t);
      }
      return admitted;
    }

    /** The most admissions in any window [t, t + window), t running over admission times. */
    function busiestWindow(times: number[], windowMs: number) {
      let most = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (j < times.length && times[j]! < times[i]! + windowMs) j++;
        most = Math.max(most, j - i);
      }
      return most;
    }

    it.each([
      [120, 60],
      [10, 60],
      [20, 3600],
      [1800, 60],
      [5, 1],
      [1, 10],
    ])("admits at most %i in any %is window, and close to that under a flood", (max, windowSeconds) => {
      const admitted = flood(max, windowSeconds, 5);
      expect(busiestWindow(admitted, windowSeconds * 1000)).toBeLessThanOrEqual(max);
      // A limiter that admitted nothing would pass the bound: a flood must still get most of its share.
      expect(admitted.length).toBeGreaterThanOrEqual(Math.floor(max * 0.8) * 5);
    });

    it("lets a sixth of max through in a burst", () => {
      const buckets = TokenBuckets.perWindow(120, 60, new ManualClock());
      const burst = Array.from({ length: 40 }, () => buckets.take("k").ok).filter(Boolean).length;
      expect(burst).toBe(20);
    });
  });
});
