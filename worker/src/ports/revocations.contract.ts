import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Revocations } from "./revocations.ts";

/** Two views of one revocation store (two workers; the same object where nothing is shared), and how to tear them down. */
export interface RevocationsFixture {
  stores: [Revocations, Revocations];
  cleanup(): Promise<void>;
}

/**
 * The Revocations contract: one suite, run against every implementation. What one worker revokes,
 * the other sees. Times are real seconds since the epoch, an hour ahead, so nothing expires during a test.
 */
export function revocationsContract(name: string, make: () => Promise<RevocationsFixture>) {
  describe(`Revocations contract: ${name}`, () => {
    let fixture: RevocationsFixture;
    let a: Revocations;
    let b: Revocations;
    const now = () => Date.now() / 1000;
    const later = () => now() + 3600;
    const token = (over: { jti?: string; sid?: string; userId?: string; iat?: number } = {}) => ({
      jti: crypto.randomUUID(),
      sid: crypto.randomUUID(),
      userId: crypto.randomUUID(),
      iat: now(),
      ...over,
    });

    beforeEach(async () => {
      fixture = await make();
      [a, b] = fixture.stores;
    });
    afterEach(() => fixture.cleanup());

    it("revokes a token by its id, and only that token", async () => {
      const revoked = token();
      await a.revoke(revoked.jti, later());
      expect(await b.isRevoked(revoked)).toBe(true);
      expect(await b.isRevoked(token({ userId: revoked.userId }))).toBe(false);
    });

    it("revokes every token of a session", async () => {
      const sid = crypto.randomUUID();
      await a.revoke(sid, later());
      expect(await b.isRevoked(token({ sid }))).toBe(true);
      expect(await b.isRevoked(token({ sid: undefined }))).toBe(false);
    });

    it("revokes a user's tokens issued up to the cut-off, not those issued after", async () => {
      const userId = crypto.randomUUID();
      const before = now();
      await a.revokeUser(userId, before, later());
      expect(await b.isRevoked(token({ userId, iat: before - 10 }))).toBe(true);
      expect(await b.isRevoked(token({ userId, iat: before }))).toBe(true);
      expect(await b.isRevoked(token({ userId, iat: before + 1 }))).toBe(false);
      expect(await b.isRevoked(token({ iat: before - 10 }))).toBe(false);
    });

    it("keeps the later of two cut-offs", async () => {
      const userId = crypto.randomUUID();
      const first = now() - 100;
      await a.revokeUser(userId, first, later());
      await b.revokeUser(userId, first + 50, later());
      expect(await a.isRevoked(token({ userId, iat: first + 40 }))).toBe(true);
      expect(await a.isRevoked(token({ userId, iat: first + 60 }))).toBe(false);
    });

    it("answers for a token without id or session", async () => {
      const userId = crypto.randomUUID();
      expect(await a.isRevoked({ userId, iat: now() })).toBe(false);
      await b.revokeUser(userId, now(), later());
      expect(await a.isRevoked({ userId, iat: now() - 1 })).toBe(true);
    });
  });
}
