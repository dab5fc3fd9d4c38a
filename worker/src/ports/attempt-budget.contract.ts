import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AttemptBudget } from "./attempt-budget.ts";
import { ManualClock } from "@parley/common";

/** Budgets built on one clock (two when the implementation is shared, as two workers), and how to tear them down. */
export interface AttemptBudgetFixture {
  budgets: [AttemptBudget, AttemptBudget];
  cleanup(): Promise<void>;
}

/**
 * The AttemptBudget contract: one suite, run against every implementation. `make` builds two
 * budgets reading `clock`; where state is shared (Redis) they are two workers' views of one store,
 * where it is not (memory) the second is the same object.
 */
export function attemptBudgetContract(name: string, make: (clock: ManualClock) => Promise<AttemptBudgetFixture>) {
  describe(`AttemptBudget contract: ${name}`, () => {
    let clock: ManualClock;
    let fixture: AttemptBudgetFixture;
    let a: AttemptBudget;
    let b: AttemptBudget;
    let key: string;

    beforeEach(async () => {
      clock = new ManualClock();
      fixture = await make(clock);
      [a, b] = fixture.budgets;
      key = `account:${crypto.randomUUID()}`;
    });
    afterEach(() => fixture.cleanup());

    it("counts up to max, then refuses with the seconds until the oldest attempt leaves the window", async () => {
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const d = await a.take(key, 3, 60);
        expect(d.ok).toBe(true);
        expect(d.ticket).toBeTruthy();
        remaining.push(d.remaining);
        clock.advance(10_000);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const refused = await b.take(key, 3, 60);
      expect(refused).toMatchObject({ ok: false, limit: 3, remaining: 0, retryAfter: 30 });
      expect(refused.ticket).toBeUndefined();
    });

    it("slides: an attempt leaves the window windowSeconds after it was made", async () => {
      await a.take(key, 2, 60);
      clock.advance(30_000);
      await a.take(key, 2, 60);
      expect((await a.take(key, 2, 60)).ok).toBe(false);
      clock.advance(30_000); // the first one is now exactly a window old
      expect((await b.take(key, 2, 60)).ok).toBe(true);
      expect((await b.take(key, 2, 60)).ok).toBe(false);
    });

    it("keeps keys apart", async () => {
      expect((await a.take(key, 1, 60)).ok).toBe(true);
      expect((await a.take(key, 1, 60)).ok).toBe(false);
      expect((await a.take(`${key}:other`, 1, 60)).ok).toBe(true);
    });

    it("gives back a refunded attempt, once", async () => {
      const first = await a.take(key, 2, 60);
      await a.take(key, 2, 60);
      await b.refund(key, first.ticket!);
      await b.refund(key, first.ticket!);
      expect((await a.take(key, 2, 60)).ok).toBe(true);
      expect((await a.take(key, 2, 60)).ok).toBe(false);
    });

    it("never counts more than max, however many take at once", async () => {
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take(key, 25, 3600)));
      expect(decisions.filter((d) => d.ok)).toHaveLength(25);
    });
  });
}
