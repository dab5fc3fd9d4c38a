import { type Clock, TokenIssuer } from "@parley/common";

/** At most this many tokens are remembered; past it the cache starts over. */
const MAX_ENTRIES = 50_000;

/**
 * The routing key of signed-in users: the `sub` of a verified token. A token costs one HMAC when
 * first seen, then a map lookup until it expires or a minute passes, whichever comes first.
 */
export class VerifiedTokens {
  private readonly issuer: TokenIssuer;
  private readonly verified = new Map<string, { userId: string; until: number }>();

  constructor(
    secret: string,
    private readonly clock: Clock,
  ) {
    this.issuer = new TokenIssuer(secret, 1, clock);
  }

  /** The user id of a token seen and still valid, without waiting; undefined when it must be verified. */
  cached(token: string): string | undefined {
    const hit = this.verified.get(token);
    return hit && hit.until > this.clock.now() ? hit.userId : undefined;
  }

  /** The user id of a valid token, undefined for an invalid or expired one. */
  async userOf(token: string | undefined): Promise<string | undefined> {
    if (!token) return undefined;
    const hit = this.cached(token);
    if (hit) return hit;
    const claims = await this.issuer.claims(token).catch(() => undefined);
    if (!claims) return undefined;
    if (this.verified.size >= MAX_ENTRIES) this.verified.clear();
    this.verified.set(token, { userId: claims.user.id, until: Math.min(claims.exp * 1000, this.clock.now() + 60_000) });
    return claims.user.id;
  }
}
