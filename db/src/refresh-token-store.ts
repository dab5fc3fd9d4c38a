import { and, eq, gt, isNull } from "drizzle-orm";
import type { User } from "@parley/protocol";
import { refreshTokens, users } from "./schema/index.ts";
import type { Database } from "./store.ts";

/** A refresh token to store: only its hash, never the token. */
export interface NewRefreshToken {
  id: string;
  familyId: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
}

/** What presenting a refresh token did. */
export type RefreshRotation =
  /** It was valid: it is now used, and `next` is the family's live token. */
  | { status: "rotated"; user: User; familyId: string }
  /** It had been used before: a copy is in someone else's hands, so its whole family is now revoked. */
  | { status: "reused"; userId: string; familyId: string }
  /** Unknown, expired or revoked. */
  | { status: "invalid" };

/** The Store's refresh-token methods (see Store in store.ts). */
export function refreshTokenMethods(db: Database) {
  return {
    async createRefreshToken(token: NewRefreshToken): Promise<void> {
      await db.insert(refreshTokens).values(token);
    },

    rotateRefreshToken(tokenHash: string, next: Omit<NewRefreshToken, "familyId" | "userId">, now: Date): Promise<RefreshRotation> {
      return db.transaction(async (tx) => {
        // Row-locking update: of two concurrent uses of one token, the second waits and then finds it used.
        const [used] = await tx
          .update(refreshTokens)
          .set({ usedAt: now })
          .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, now)))
          .returning({ familyId: refreshTokens.familyId, userId: refreshTokens.userId });
        if (used) {
          await tx.insert(refreshTokens).values({ ...next, familyId: used.familyId, userId: used.userId, createdAt: now });
          const [user] = await tx.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, used.userId));
          return user ? { status: "rotated", user, familyId: used.familyId } : { status: "invalid" };
        }
        const [known] = await tx
          .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId, usedAt: refreshTokens.usedAt })
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash));
        if (!known?.usedAt) return { status: "invalid" };
        await tx
          .update(refreshTokens)
          .set({ revokedAt: now })
          .where(and(eq(refreshTokens.familyId, known.familyId), isNull(refreshTokens.revokedAt)));
        return { status: "reused", userId: known.userId, familyId: known.familyId };
      });
    },

    async revokeRefreshFamily(familyId: string, userId: string, now: Date): Promise<void> {
      await db
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.familyId, familyId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    },

    async revokeRefreshTokensOf(userId: string, now: Date): Promise<number> {
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
        .returning({ id: refreshTokens.id });
      return rows.length;
    },

    async updatePassword(userId: string, passwordHash: string): Promise<boolean> {
      const rows = await db.update(users).set({ passwordHash }).where(eq(users.id, userId)).returning({ id: users.id });
      return rows.length > 0;
    },
  };
}
