import { ApiError, type TokenClaims, type TokenIssuer } from "@parley/common";
import type { Revocations } from "../ports/revocations.ts";

/** Token checks that include revocation: what HTTP requests and WebSocket upgrades go through. */
export class Sessions {
  constructor(
    private readonly tokens: TokenIssuer,
    private readonly revocations: Revocations,
  ) {}

  /** The token's claims; `unauthorized` when it is invalid, expired or revoked. */
  async authenticate(token: string): Promise<TokenClaims> {
    const claims = await this.tokens.claims(token);
    if (claims.jti && (await this.revocations.isRevoked(claims.jti))) throw new ApiError("unauthorized", "this token was revoked (signed out)");
    return claims;
  }

  /** Revokes a token until it would have expired. */
  revoke(claims: TokenClaims): Promise<void> {
    return claims.jti ? this.revocations.revoke(claims.jti, claims.exp) : Promise.resolve();
  }
}
