import type { RedisConnection } from "@parley/common/redis";
import type { RevocableToken, Revocations } from "../ports/revocations.ts";

/**
 * Revoked token and session ids, and per-user cut-offs, in Redis (standalone or Cluster): each kept
 * until its tokens would have expired. Every command names one key, so none spans Cluster slots.
 */
export class RedisRevocations implements Revocations {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async revoke(id: string, expiresAt: number) {
    await this.redis.set(`${this.prefix}:revoked:${id}`, "1", "EXAT", this.until(expiresAt));
  }

  async revokeUser(userId: string, before: number, expiresAt: number) {
    // A later cut-off replaces an earlier one; cut-offs are "now" on the calling worker, so they only grow.
    await this.redis.set(`${this.prefix}:tokens-valid-after:${userId}`, String(before), "EXAT", this.until(expiresAt));
  }

  /**
   * The three checks sent together: one round trip on standalone Redis, as MGET was, and on a Cluster
   * each GET goes to the shard of its key (an MGET of keys in different slots is refused with CROSSSLOT).
   */
  async isRevoked({ jti, sid, userId, iat }: RevocableToken) {
    const [byId, bySession, cutoff] = await Promise.all([
      jti === undefined ? null : this.redis.get(`${this.prefix}:revoked:${jti}`),
      sid === undefined ? null : this.redis.get(`${this.prefix}:revoked:${sid}`),
      this.redis.get(`${this.prefix}:tokens-valid-after:${userId}`),
    ]);
    return byId !== null || bySession !== null || (cutoff !== null && iat <= Number(cutoff));
  }

  private until(expiresAt: number) {
    return Math.max(Math.ceil(expiresAt), Math.floor(Date.now() / 1000) + 1);
  }
}
