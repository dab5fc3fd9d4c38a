import { sign, verify } from "hono/jwt";
import type { Clock } from "@parley/common";

/** The cookie that carries a browser's (or a cookie jar's) device tokens. */
export const DEVICE_COOKIE = "parley_device";
/** How long a device stays trusted after its last successful sign-in. */
export const DEVICE_TTL_SECONDS = 180 * 24 * 3600;
/** Accounts one cookie vouches for (a shared computer): the most recent sign-ins win. */
const MAX_PER_COOKIE = 4;
const AUDIENCE = "parley-device";
const SEPARATOR = "~";

/** A verified device token: the account it vouches for and its own id (its failure budget's key). */
export interface DeviceClaims {
  userId: string;
  deviceId: string;
}

/**
 * OWASP's device cookie: a signed, long-lived token saying "this device signed in as user X". A
 * login that presents one for the account is exempt from the per-account lock that strangers can
 * trigger. Signed with a key derived from the JWT secret, so it can never pass for an access token
 * (nor one for it); it proves only a past sign-in, never grants access.
 */
export class DeviceTokens {
  private readonly key: Promise<string>;

  constructor(
    jwtSecret: string,
    private readonly clock: Clock,
  ) {
    this.key = deriveKey(jwtSecret, "parley device token v1");
  }

  async issue(userId: string): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return sign({ sub: userId, jti: crypto.randomUUID(), iat: now, exp: now + DEVICE_TTL_SECONDS, aud: AUDIENCE }, await this.key, "HS256");
  }

  /** The valid tokens of a cookie value; forged, expired and malformed ones are left out. */
  async read(cookie: string | undefined): Promise<DeviceClaims[]> {
    if (!cookie || cookie.length > 4096) return [];
    const key = await this.key;
    const now = Math.floor(this.clock.now() / 1000);
    const claims: DeviceClaims[] = [];
    for (const token of cookie.split(SEPARATOR).slice(0, MAX_PER_COOKIE)) {
      try {
        const p = await verify(token, key, { alg: "HS256", aud: AUDIENCE, typ: "JWT", exp: false, nbf: false, iat: false });
        if (typeof p.sub === "string" && typeof p.jti === "string" && typeof p.exp === "number" && p.exp > now) claims.push({ userId: p.sub, deviceId: p.jti });
      } catch {
        // forged or malformed: not a trusted device
      }
    }
    return claims;
  }

  /** The cookie value after a sign-in as `userId`: its fresh token first, the other accounts' valid ones after. */
  async renew(cookie: string | undefined, userId: string): Promise<string> {
    const fresh = await this.issue(userId);
    const tokens = cookie?.split(SEPARATOR) ?? [];
    const others: string[] = [];
    for (const token of tokens.slice(0, MAX_PER_COOKIE)) {
      const [claims] = await this.read(token);
      if (claims && claims.userId !== userId) others.push(token);
    }
    return [fresh, ...others].slice(0, MAX_PER_COOKIE).join(SEPARATOR);
  }
}

/** HMAC-SHA-256(secret, label) as hex: a key for one purpose, independent of the secret's other uses. */
async function deriveKey(secret: string, label: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(label)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}
