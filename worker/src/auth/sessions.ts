import { ApiError, type TokenClaims, type TokenIssuer } from "@parley/common";
import type { Revocations } from "../ports/revocations.ts";

/** Token checks that include revocation: what HTTP requests, WebSocket upgrades and `auth` frames go through. */
export class Sessions {
  constructor(
    private readonly tokens: TokenIssuer,
    private readonly revocations: Revocations,
  ) {}

  /** The token's claims; `unauthorized` when it is invalid, expired or revoked. */
  async authenticate(token: string): Promise<TokenClaims> {
    const claims = await this.tokens.claims(token);
    if (await this.revocations.isRevoked({ jti: claims.jti, sid: claims.sid, userId: claims.user.id, iat: claims.iat })) {
      throw new ApiError("unauthorized", "this token was revoked (signed out)");
    }
    return claims;
  }

  /** Revokes a token until it would have expired. */
  revoke(claims: TokenClaims): Promise<void> {
    return claims.jti ? this.revocations.revoke(claims.jti, claims.exp) : Promise.resolve();
  }

  /** Revokes every access token of a session (refresh-token family) still alive. */
  revokeSession(sid: string, now: number): Promise<void> {
    return this.revocations.revoke(sid, this.lastExpiry(now));
  }

  /** Revokes every access token of the user issued up to `before` (seconds): sign out everywhere. */
  revokeUser(userId: string, before: number): Promise<void> {
    return this.revocations.revokeUser(userId, before, this.lastExpiry(before));
  }

  /** When the last access token issued by `now` (seconds) expires. */
  private lastExpiry(now: number) {
    return Math.ceil(now) + this.tokens.ttlSeconds + 1;
  }
}
