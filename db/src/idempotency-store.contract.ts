import { describe, expect, it } from "vitest";
import type { IdempotencyClaim } from "./idempotency-store.ts";
import type { Store } from "./store.ts";

const HOUR = 3600_000;

/** The idempotency-key methods of the Store contract; `store()` is the suite's open Store. */
export function idempotencyContract(store: () => Store) {
  describe("idempotency keys", () => {
    const claim = (overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim => {
      const now = new Date();
      return {
        scope: `user:${crypto.randomUUID()}`,
        key: "key-1",
        method: "POST",
        path: "/api/rooms",
        bodyHash: "h1",
        createdAt: now,
        expiresAt: new Date(now.getTime() + 24 * HOUR),
        ...overrides,
      };
    };
    const longAgo = () => new Date(Date.now() - HOUR);

    it("claims a new key once; the second claim sees it running, then its answer", async () => {
      const first = claim();
      expect(await store().claimIdempotencyKey(first, longAgo())).toBeNull();
      expect(await store().claimIdempotencyKey({ ...first, bodyHash: "h2" }, longAgo())).toMatchObject({
        method: "POST",
        path: "/api/rooms",
        bodyHash: "h1",
        response: null,
      });
      await store().completeIdempotencyKey(first.scope, first.key, { status: 201, body: '{"room":{"id":"r"}}' });
      expect(await store().claimIdempotencyKey(first, longAgo())).toMatchObject({ bodyHash: "h1", response: { status: 201, body: '{"room":{"id":"r"}}' } });
    });

    it("keeps keys apart by scope", async () => {
      const a = claim();
      expect(await store().claimIdempotencyKey(a, longAgo())).toBeNull();
      expect(await store().claimIdempotencyKey({ ...a, scope: `user:${crypto.randomUUID()}` }, longAgo())).toBeNull();
    });

    it("lets one of many concurrent claims win", async () => {
      const c = claim();
      const results = await Promise.all(Array.from({ length: 8 }, () => store().claimIdempotencyKey(c, longAgo())));
      expect(results.filter((r) => r === null)).toHaveLength(1);
    });

    it("frees a released key, but not a completed one", async () => {
      const c = claim();
      await store().claimIdempotencyKey(c, longAgo());
      await store().releaseIdempotencyKey(c.scope, c.key);
      expect(await store().claimIdempotencyKey(c, longAgo())).toBeNull();
      await store().completeIdempotencyKey(c.scope, c.key, { status: 200, body: "{}" });
      await store().releaseIdempotencyKey(c.scope, c.key);
      expect((await store().claimIdempotencyKey(c, longAgo()))?.response).toEqual({ status: 200, body: "{}" });
    });

    it("takes over an expired answer and an abandoned running claim", async () => {
      const past = new Date(Date.now() - 2 * HOUR);
      const expired = claim({ createdAt: past, expiresAt: new Date(past.getTime() + 1000) });
      await store().claimIdempotencyKey(expired, longAgo());
      await store().completeIdempotencyKey(expired.scope, expired.key, { status: 201, body: "{}" });
      expect(await store().claimIdempotencyKey(claim({ scope: expired.scope, bodyHash: "new" }), longAgo())).toBeNull();

      const abandoned = claim({ createdAt: past });
      await store().claimIdempotencyKey(abandoned, longAgo());
      // Started two hours ago, still running: stale when `staleBefore` is an hour ago, live when it is three.
      expect(await store().claimIdempotencyKey(claim({ scope: abandoned.scope }), new Date(Date.now() - 3 * HOUR))).toMatchObject({ response: null });
      expect(await store().claimIdempotencyKey(claim({ scope: abandoned.scope }), longAgo())).toBeNull();
    });

    it("deletes expired records and keeps live ones", async () => {
      const past = new Date(Date.now() - 2 * HOUR);
      const expired = claim({ createdAt: past, expiresAt: new Date(past.getTime() + 1000) });
      const live = claim();
      await store().claimIdempotencyKey(expired, longAgo());
      await store().claimIdempotencyKey(live, longAgo());
      await store().completeIdempotencyKey(live.scope, live.key, { status: 201, body: "{}" });
      expect(await store().deleteExpiredIdempotencyKeys(new Date())).toBeGreaterThanOrEqual(1);
      // The expired one is gone (claimable with fresh dates), the live one still answers.
      expect(await store().claimIdempotencyKey(claim({ scope: expired.scope }), new Date(0))).toBeNull();
      expect((await store().claimIdempotencyKey(live, longAgo()))?.response).toEqual({ status: 201, body: "{}" });
    });
  });
}
