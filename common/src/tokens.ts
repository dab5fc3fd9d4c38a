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

  /**
   * A token for the user in session `sid` (the refresh-token family it came from). `iat` keeps
   * milliseconds (a NumericDate may be fractional, RFC 7519 §2): a sign-out everywhere revokes what
   * was issued up to its instant. `at` (ms) dates the token earlier, `after` (s) strictly after a cut-off.
   */
  async issue(user: User, options: { sid?: string; at?: number; after?: number } = {}): Promise<{ token: string; expiresAt: string; exp: number }> {
    const { sid, at = this.clock.now(), after = 0 } = options;
    const iat = Math.max(at, Math.round(after * 1000) + 1) / 1000;
    const now = Math.floor(iat);
    const exp = now + this.ttlSeconds;
    const jti = crypto.randomUUID();
    const claims = { sub: user.id, name: user.username, jti, ...(sid ? { sid } : {}), iat, nbf: now, exp, iss: ISSUER, aud: AUDIENCE };
    const token = await sign(claims, this.secret, "HS256");
    return { token, expiresAt: new Date(exp * 1000).toISOString(), exp };
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
      const { sub, name, exp, nbf, jti, iat, sid } = payload;
      if (typeof exp !== "number" || typeof sub !== "string" || typeof name !== "string") throw unauthorized;
      const now = Math.floor(this.clock.now() / 1000);
      if (exp <= now) throw unauthorized;
      if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + CLOCK_SKEW_SECONDS)) throw unauthorized;
      return {
        user: { id: sub, username: name },
        jti: typeof jti === "string" ? jti : undefined,
        sid: typeof sid === "string" ? sid : undefined,
        iat: typeof iat === "number" ? iat : 0,
        exp,
      };
    } catch {
      throw unauthorized;
    }
  }
}

export interface TokenClaims {
  user: User;
  /** Absent only in tokens issued before revocation existed. */
  jti?: string;
  /** The session (refresh-token family) the token was issued in; absent in tokens issued before sessions existed. */
  sid?: string;
  /** When it was issued, seconds since the epoch with milliseconds (0 when absent). */
  iat: number;
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
