import type { Redis } from "ioredis";
import type { RevocableToken, Revocations } from "../ports/revocations.ts";

/** Revoked token and session ids, and per-user cut-offs, in Redis: each kept until its tokens would have expired. */
export class RedisRevocations implements Revocations {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async revoke(id: string, expiresAt: number) {
    await this.redis.set(`${this.prefix}:revoked:${id}`, "1", "EXAT", this.until(expiresAt));
  }

  async revokeUser(userId: string, before: number, expiresAt: number) {
    // A later cut-off replaces an earlier one; cut-offs are "now" on the calling worker, so they only grow.
    await this.redis.set(`${this.prefix}:tokens-valid-after:${userId}`, String(before), "EXAT", this.until(expiresAt));
  }

  /** One round trip for the three checks. */
  async isRevoked({ jti, sid, userId, iat }: RevocableToken) {
    const [byId, bySession, cutoff] = await this.redis.mget(
      `${this.prefix}:revoked:${jti ?? "-"}`,
      `${this.prefix}:revoked:${sid ?? "-"}`,
      `${this.prefix}:tokens-valid-after:${userId}`,
    );
    return (jti !== undefined && byId !== null) || (sid !== undefined && bySession !== null) || (cutoff !== null && iat <= Number(cutoff));
  }

  private until(expiresAt: number) {
    return Math.max(Math.ceil(expiresAt), Math.floor(Date.now() / 1000) + 1);
  }
}
