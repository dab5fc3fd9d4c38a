import { sign, verify } from "hono/jwt";
import { WS_BEARER_PREFIX, type User } from "@parley/protocol";
import { ApiError } from "./errors.ts";
import type { Clock } from "./clock.ts";

const ISSUER = "parley";
const AUDIENCE = "parley";
/** Tolerance for `nbf` set by a clock slightly ahead of ours. */
const CLOCK_SKEW_SECONDS = 30;

/** Issues and checks Parley's access tokens: HS256 only, `exp` required, issuer and audience pinned. */
export class TokenIssuer {
  constructor(
    private readonly secret: string,
    readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  async issue(user: User): Promise<{ token: string; expiresAt: string }> {
    const now = Math.floor(this.clock.now() / 1000);
    const exp = now + this.ttlSeconds;
    const jti = crypto.randomUUID();
    const token = await sign({ sub: user.id, name: user.username, jti, iat: now, nbf: now, exp, iss: ISSUER, aud: AUDIENCE }, this.secret, "HS256");
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The user a token speaks for; throws `unauthorized` for anything not issued by us and still valid. */
  async verify(token: string): Promise<User> {
    return (await this.claims(token)).user;
  }

  /** The user, the token's id (`jti`, for revocation) and its expiry in seconds. */
  async claims(token: string): Promise<TokenClaims> {
    const unauthorized = new ApiError("unauthorized", "missing, invalid or expired token");
    if (token.length > 4096) throw unauthorized;
    try {
      // The algorithm is pinned: a header naming another one (none, RS256, …) is rejected.
      // Time claims are checked below against our clock (a test may move it), so hono skips them.
      const payload = await verify(token, this.secret, { alg: "HS256", iss: ISSUER, aud: AUDIENCE, typ: "JWT", exp: false, nbf: false, iat: false });
      const { sub, name, exp, nbf, jti } = payload;
      if (typeof exp !== "number" || typeof sub !== "string" || typeof name !== "string") throw unauthorized;
      const now = Math.floor(this.clock.now() / 1000);
      if (exp <= now) throw unauthorized;
      if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + CLOCK_SKEW_SECONDS)) throw unauthorized;
      return { user: { id: sub, username: name }, jti: typeof jti === "string" ? jti : undefined, exp };
    } catch {
      throw unauthorized;
    }
  }
}

export interface TokenClaims {
  user: User;
  /** Absent only in tokens issued before revocation existed. */
  jti?: string;
  exp: number;
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** The token of an upgrade: `Authorization: Bearer`, or a `bearer.<token>` subprotocol from browsers. */
export function upgradeToken(authorization: string | undefined, subprotocols: string | undefined): string | undefined {
  const fromHeader = bearerToken(authorization);
  if (fromHeader) return fromHeader;
  const protocols = (subprotocols ?? "").split(",").map((p) => p.trim());
  return protocols.find((p) => p.startsWith(WS_BEARER_PREFIX))?.slice(WS_BEARER_PREFIX.length);
}
