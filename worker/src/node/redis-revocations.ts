import type { Redis } from "ioredis";
import type { Revocations } from "../ports/revocations.ts";

/** Revoked token ids in Redis, each kept until its token would have expired. */
export class RedisRevocations implements Revocations {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async revoke(jti: string, expiresAt: number) {
    await this.redis.set(`${this.prefix}:revoked:${jti}`, "1", "EXAT", Math.max(expiresAt, Math.floor(Date.now() / 1000) + 1));
  }

  async isRevoked(jti: string) {
    return (await this.redis.exists(`${this.prefix}:revoked:${jti}`)) === 1;
  }
}
