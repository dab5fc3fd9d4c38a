import bcrypt from "bcryptjs";
import { afterAll, describe, expect, it } from "vitest";
import { BcryptPool } from "./bcrypt-pool.ts";

describe("BcryptPool", () => {
  const pool = new BcryptPool(10, 2);
  afterAll(() => pool.close());

  it("hashes with bcrypt at the configured cost", async () => {
    const hash = await pool.hash("correct horse");
    expect(hash).toMatch(/^\$2[ab]\$10\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.getRounds(hash)).toBe(10);
    // Salted: the same password hashes differently each time.
    expect(await pool.hash("correct horse")).not.toBe(hash);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await pool.hash("correct horse");
    expect(await pool.verify("correct horse", hash)).toBe(true);
    expect(await pool.verify("correct hors", hash)).toBe(false);
    expect(await pool.verify("Correct horse", hash)).toBe(false);
    // Hashes made elsewhere (another cost, the main thread) verify too.
    expect(await pool.verify("élan 🐴", bcrypt.hashSync("élan 🐴", 4))).toBe(true);
  });

  it("keeps the event loop free while hashes run", async () => {
    const slow = new BcryptPool(12, 2);
    try {
      await slow.hash("warm up the threads");
      // What one hash would block the event loop for if it ran here.
      let started = performance.now();
      bcrypt.hashSync("measure me", 12);
      const oneHashMs = performance.now() - started;

      const ticks: number[] = [];
      started = performance.now();
      const timer = setInterval(() => ticks.push(performance.now()), 5);
      const hashes = await Promise.all([1, 2, 3, 4].map((i) => slow.hash(`password ${i}`)));
      const ended = performance.now();
      clearInterval(timer);

      expect(hashes.every((h) => h.startsWith("$2b$12$") || h.startsWith("$2a$12$"))).toBe(true);
      const instants = [started, ...ticks, ended];
      const maxGap = Math.max(...instants.slice(1).map((t, i) => t - instants[i]!));
      // Hashing on this thread would stall the timer for at least one whole hash (four, back to back).
      // The bounds stay loose because the machine may be busy: the point is ticks, not milliseconds.
      expect(ticks.length).toBeGreaterThan(10);
      expect(maxGap).toBeLessThan(oneHashMs);
    } finally {
      await slow.close();
    }
  });
});
