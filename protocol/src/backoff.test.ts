import { describe, expect, it } from "vitest";
import { fullJitterBackoff } from "./backoff.ts";

describe("fullJitterBackoff", () => {
  const backoff = fullJitterBackoff({ baseMs: 100, capMs: 1000 });
  const highest = () => 1 - Number.EPSILON;

  it("waits below a ceiling that doubles from the base up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 40].map((attempt) => backoff(attempt, highest))).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it("spreads waits uniformly from zero up to the ceiling", () => {
    expect(backoff(3, () => 0)).toBe(0);
    expect(backoff(3, () => 0.5)).toBe(400);
    expect(backoff(3, () => 0.25)).toBe(200);
  });

  it("uses Math.random by default: waits differ and stay in range", () => {
    const waits = Array.from({ length: 200 }, () => backoff(10));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(1000);
    expect(new Set(waits).size).toBeGreaterThan(50);
  });

  it("treats a negative or huge attempt as the first or the last", () => {
    expect(backoff(-1, highest)).toBe(99);
    expect(backoff(10_000, highest)).toBe(999);
    expect(Number.isFinite(backoff(Number.MAX_SAFE_INTEGER))).toBe(true);
  });
});
