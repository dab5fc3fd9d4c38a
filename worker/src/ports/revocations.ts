import type { Clock } from "@parley/common";

/** What a revocation check needs of a token. */
export interface RevocableToken {
  jti?: string;
  /** Its session (refresh-token family): revoked as one when a refresh token is reused or the session signs out. */
  sid?: string;
  userId: string;
  /** Issued at, seconds since the epoch (with milliseconds). */
  iat: number;
}

/** Tokens revoked before their expiry (sign-out), shared by every worker. */
export interface Revocations {
  /** Revokes a token id or session id until `expiresAt` (seconds since the epoch), when its tokens die anyway. */
  revoke(id: string, expiresAt: number): Promise<void>;
  /**
   * Revokes every token of the user issued at or before `before` (seconds, sign out everywhere),
   * remembered until `expiresAt`, when the last of them has expired. A later cut-off replaces an earlier one.
   */
  revokeUser(userId: string, before: number, expiresAt: number): Promise<void>;
  /** Whether the token is revoked: by its id, its session, or its user's cut-off. */
  isRevoked(token: RevocableToken): Promise<boolean>;
}

/** Revocations in one process: for the embedded default, and the cache of the workerd one. */
export class MemoryRevocations implements Revocations {
  private readonly revoked = new Map<string, number>();
  private readonly cutoffs = new Map<string, { before: number; until: number }>();
  constructor(private readonly clock: Clock) {}

  async revoke(id: string, expiresAt: number) {
    this.revoked.set(id, Math.max(expiresAt, this.revoked.get(id) ?? 0));
    if (this.revoked.size > 10_000) this.prune();
  }

  async revokeUser(userId: string, before: number, expiresAt: number) {
    const known = this.cutoffs.get(userId);
    if (!known || known.before < before) this.cutoffs.set(userId, { before, until: expiresAt });
    if (this.cutoffs.size > 10_000) this.prune();
  }

  async isRevoked({ jti, sid, userId, iat }: RevocableToken) {
    const now = this.clock.now();
    const live = (until: number | undefined) => until !== undefined && until * 1000 > now;
    const cutoff = this.cutoffs.get(userId);
    return (
      (jti !== undefined && live(this.revoked.get(jti))) ||
      (sid !== undefined && live(this.revoked.get(sid))) ||
      (!!cutoff && live(cutoff.until) && iat <= cutoff.before)
    );
  }

  private prune() {
    const now = this.clock.now();
    for (const [id, until] of this.revoked) if (until * 1000 <= now) this.revoked.delete(id);
    for (const [id, { until }] of this.cutoffs) if (until * 1000 <= now) this.cutoffs.delete(id);
  }
}
