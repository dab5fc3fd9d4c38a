import type { Store } from "@parley/db";
import type { User } from "@parley/protocol";
import { ApiError } from "@parley/common";
import type { Clock } from "@parley/common";

/** 32 random bytes, base64url: opaque, and too long to guess. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** What is stored instead of the token: a SHA-256 is enough for 256 random bits (no salt or bcrypt needed). */
export async function hashRefreshToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface IssuedRefreshToken {
  refreshToken: string;
  refreshExpiresAt: string;
  /** The session it belongs to: access tokens issued with it carry it as `sid`. */
  familyId: string;
}

/** Rotating refresh tokens with reuse detection (OAuth 2.1 §4.3.1, RFC 6819 §5.2.2.3), kept in the Store. */
export class RefreshTokens {
  constructor(
    private readonly store: Store,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  /** The first token of a new session (a sign-in). */
  async start(user: User): Promise<IssuedRefreshToken> {
    const { refreshToken, tokenHash, expiresAt } = await this.next();
    const familyId = crypto.randomUUID();
    await this.store.createRefreshToken({ id: crypto.randomUUID(), familyId, userId: user.id, tokenHash, expiresAt });
    return { refreshToken, refreshExpiresAt: expiresAt.toISOString(), familyId };
  }

  /**
   * Uses a refresh token: it becomes used and the session's next token is returned. A used token
   * presented again means two parties hold the session: the family is revoked (`onReuse` is told,
   * to revoke its access tokens too) and the answer is 401 like any bad token.
   */
  async rotate(refreshToken: string, onReuse: (familyId: string, userId: string) => Promise<void>): Promise<IssuedRefreshToken & { user: User }> {
    const next = await this.next();
    const result = await this.store.rotateRefreshToken(
      await hashRefreshToken(refreshToken),
      { id: crypto.randomUUID(), tokenHash: next.tokenHash, expiresAt: next.expiresAt },
      new Date(this.clock.now()),
    );
    if (result.status === "reused") {
      await onReuse(result.familyId, result.userId);
      throw new ApiError("unauthorized", "this refresh token was already used: the session is revoked, sign in again");
    }
    if (result.status === "invalid") throw new ApiError("unauthorized", "invalid, expired or revoked refresh token");
    return { user: result.user, refreshToken: next.refreshToken, refreshExpiresAt: next.expiresAt.toISOString(), familyId: result.familyId };
  }

  private async next() {
    const refreshToken = randomToken();
    return { refreshToken, tokenHash: await hashRefreshToken(refreshToken), expiresAt: new Date(this.clock.now() + this.ttlSeconds * 1000) };
  }
}
