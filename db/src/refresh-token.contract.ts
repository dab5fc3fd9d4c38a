import type { User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import type { Store } from "./store.ts";

/** Refresh-token rotation of the Store contract: run by storeContract against every implementation. */
export function refreshTokenContract(store: () => Store, newUser: () => Promise<User>) {
  describe("refresh tokens", () => {
    const hash = () => crypto.randomUUID().replaceAll("-", "");
    const later = (ms = 3600_000) => new Date(Date.now() + ms);
    const start = async (user: User, expiresAt = later()) => {
      const token = { id: crypto.randomUUID(), familyId: crypto.randomUUID(), userId: user.id, tokenHash: hash(), expiresAt };
      await store().createRefreshToken(token);
      return token;
    };
    const next = () => ({ id: crypto.randomUUID(), tokenHash: hash(), expiresAt: later() });

    it("rotates a token once, then treats it as reused and revokes its family", async () => {
      const user = await newUser();
      const first = await start(user);
      const second = next();
      expect(await store().rotateRefreshToken(first.tokenHash, second, new Date())).toEqual({ status: "rotated", user, familyId: first.familyId });
      const third = next();
      expect(await store().rotateRefreshToken(second.tokenHash, third, new Date())).toMatchObject({ status: "rotated" });
      // The first token again: someone kept a copy. The family's live token (third) dies with it.
      expect(await store().rotateRefreshToken(first.tokenHash, next(), new Date())).toEqual({ status: "reused", userId: user.id, familyId: first.familyId });
      expect(await store().rotateRefreshToken(third.tokenHash, next(), new Date())).toEqual({ status: "invalid" });
    });

    it("lets only one of two concurrent uses of a token win", async () => {
      const user = await newUser();
      const first = await start(user);
      const results = await Promise.all([
        store().rotateRefreshToken(first.tokenHash, next(), new Date()),
        store().rotateRefreshToken(first.tokenHash, next(), new Date()),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(["reused", "rotated"]);
    });

    it("refuses unknown and expired tokens", async () => {
      const user = await newUser();
      const expired = await start(user, later(-1000));
      expect(await store().rotateRefreshToken(expired.tokenHash, next(), new Date())).toEqual({ status: "invalid" });
      expect(await store().rotateRefreshToken(hash(), next(), new Date())).toEqual({ status: "invalid" });
    });

    it("revokes one family, or every family of a user", async () => {
      const user = await newUser();
      const other = await newUser();
      const [a, b, theirs] = [await start(user), await start(user), await start(other)];
      await store().revokeRefreshFamily(b.familyId, other.id, new Date()); // not theirs to revoke
      await store().revokeRefreshFamily(a.familyId, user.id, new Date());
      expect(await store().rotateRefreshToken(a.tokenHash, next(), new Date())).toEqual({ status: "invalid" });
      const c = await start(user);
      expect(await store().revokeRefreshTokensOf(user.id, new Date())).toBe(2);
      for (const token of [b, c]) expect(await store().rotateRefreshToken(token.tokenHash, next(), new Date())).toEqual({ status: "invalid" });
      expect(await store().rotateRefreshToken(theirs.tokenHash, next(), new Date())).toMatchObject({ status: "rotated" });
    });

    it("replaces a password hash", async () => {
      const user = await newUser();
      expect(await store().updatePassword(user.id, "new hash")).toBe(true);
      expect(await store().findUserByName(user.username)).toMatchObject({ passwordHash: "new hash" });
      expect(await store().updatePassword(crypto.randomUUID(), "x")).toBe(false);
    });
  });
}
