import type { Clock } from "@parley/common";

/** Tokens revoked before their expiry (logout), shared by every worker. */
export interface Revocations {
  /** Revokes a token id until `expiresAt` (seconds since the epoch), when the token dies anyway. */
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
}

/** Revocations in one process: for the embedded default. */
export class MemoryRevocations implements Revocations {
  private readonly revoked = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  async revoke(jti: string, expiresAt: number) {
    this.revoked.set(jti, expiresAt);
    if (this.revoked.size > 10_000) this.prune();
  }

  async isRevoked(jti: string) {
    const until = this.revoked.get(jti);
    return until !== undefined && until * 1000 > this.clock.now();
  }

  private prune() {
    const now = this.clock.now();
    for (const [jti, until] of this.revoked) if (until * 1000 <= now) this.revoked.delete(jti);
  }
}
