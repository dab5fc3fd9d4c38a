import { describe, expect, it } from "vitest";
import { HashRing } from "./hash-ring.ts";
import { murmur3 } from "@parley/common";

const users = (n: number, seed = "") => Array.from({ length: n }, (_, i) => `user-${seed}${i}`);
const ringOf = (...workers: string[]) => {
  const ring = new HashRing();
  for (const w of workers) ring.add(w);
  return ring;
};

describe("murmur3", () => {
  it("matches the reference MurmurHash3_x86_32 for ASCII keys", () => {
    // MurmurHash3_x86_32 over the UTF-16LE bytes of the key, seed 0, from an independent byte-wise
    // implementation (itself checked against the published vector mmh3("hello") = 613153351).
    const vectors: Array<[string, number]> = [
      ["", 0],
      ["a", 1867108634],
      ["ab", 374890698],
      ["abc", 1118836419],
      ["7d0c3f64-5a1c-4c55-9d1b-111111111111", 1721710556],
      ["w1#0", 2499039561],
      ["é😀", 2273808744],
    ];
    for (const [key, hash] of vectors) expect(murmur3(key)).toBe(hash);
  });
});

describe("HashRing", () => {
  it("spreads 10,000 users over 3 workers within 10% of the mean", () => {
    const ring = ringOf("w1", "w2", "w3");
    const counts = new Map<string, number>();
    for (const u of users(10_000)) counts.set(ring.home(u)!, (counts.get(ring.home(u)!) ?? 0) + 1);
    const mean = 10_000 / 3;
    const max = Math.max(...counts.values());
    const min = Math.min(...counts.values());
    expect(max / mean).toBeLessThan(1.1);
    expect(min / mean).toBeGreaterThan(0.9);
  });

  it("is sticky: the same key reaches the same worker, in any ring built the same way", () => {
    const a = ringOf("w1", "w2", "w3");
    const b = ringOf("w3", "w1", "w2");
    for (const u of users(1000)) expect(b.home(u)).toBe(a.home(u));
  });

  it("moves only the removed worker's keys on 3 → 2", () => {
    const before = ringOf("w1", "w2", "w3");
    const after = ringOf("w1", "w2");
    let moved = 0;
    for (const u of users(10_000)) {
      const from = before.home(u);
      const to = after.home(u);
      if (from !== "w3") expect(to).toBe(from);
      else moved++;
    }
    expect(moved / 10_000).toBeGreaterThan(0.28);
    expect(moved / 10_000).toBeLessThan(0.38);
  });

  it("moves about a quarter of keys on 3 → 4, all onto the new worker", () => {
    const before = ringOf("w1", "w2", "w3");
    const after = ringOf("w1", "w2", "w3", "w4");
    let moved = 0;
    for (const u of users(10_000)) {
      if (before.home(u) === after.home(u)) continue;
      moved++;
      expect(after.home(u)).toBe("w4");
    }
    expect(moved / 10_000).toBeGreaterThan(0.2);
    expect(moved / 10_000).toBeLessThan(0.3);
  });

  it("skips ineligible workers, in ring order", () => {
    const ring = ringOf("w1", "w2", "w3");
    for (const u of users(500)) {
      const order = [...ring.walk(u)];
      expect(new Set(order).size).toBe(3);
      expect(ring.pick(u, { eligible: (w) => w !== order[0] })).toBe(order[1]);
    }
    expect(ring.pick("x", { eligible: () => false })).toBeUndefined();
  });

  it("bounds loads: no worker above c × mean, overflow goes clockwise", () => {
    const ring = ringOf("w1", "w2", "w3");
    const load = new Map<string, number>([
      ["w1", 0],
      ["w2", 0],
      ["w3", 0],
    ]);
    // Adversarial: every key's home is w1.
    const hot = users(20_000)
      .filter((u) => ring.home(u) === "w1")
      .slice(0, 3000);
    for (const u of hot) {
      const w = ring.pick(u, { load: (x) => load.get(x)!, c: 1.25 })!;
      load.set(w, load.get(w)! + 1);
    }
    const mean = hot.length / 3;
    expect(Math.max(...load.values())).toBeLessThanOrEqual(Math.ceil((1.25 * (hot.length + 1)) / 3));
    expect(Math.max(...load.values()) / mean).toBeLessThanOrEqual(1.26);
  });

  it("reports shares that sum to 1", () => {
    const shares = ringOf("w1", "w2", "w3").shares();
    const total = [...shares.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 9);
    for (const s of shares.values()) expect(s).toBeGreaterThan(0.25);
  });
});
