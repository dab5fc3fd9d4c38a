import type { Store } from "@parley/db";
import type { SessionEvent } from "../ports/bus.ts";
import type { Clock } from "@parley/common";
import type { Sessions } from "./sessions.ts";
import type { TokenClaims } from "@parley/common";

/**
 * Ends sessions: revokes refresh tokens (PostgreSQL) and access tokens (Revocations), and
 * `announce`s it so every worker closes the sockets living on them.
 */
export class SignOut {
  constructor(
    private readonly store: Store,
    private readonly sessions: Sessions,
    private readonly clock: Clock,
    private readonly announce: (event: SessionEvent) => void,
  ) {}

  /** Signs out the token's session (one device): the token, its refresh-token family and that family's other access tokens. */
  async session(claims: TokenClaims): Promise<void> {
    await this.token(claims);
    if (claims.sid) await this.family(claims.sid, claims.user.id);
  }

  /** Revokes one access token and (unless told not to) closes the sockets living on it. */
  async token(claims: TokenClaims, closeSockets = true): Promise<void> {
    await this.sessions.revoke(claims);
    if (claims.jti && closeSockets) this.announce({ kind: "revoked", jti: claims.jti });
  }

  /** Ends one session: after a refresh token was reused, or at sign-out. */
  async family(familyId: string, userId: string): Promise<void> {
    await this.store.revokeRefreshFamily(familyId, userId, new Date(this.clock.now()));
    await this.sessions.revokeSession(familyId, this.clock.now() / 1000);
    this.announce({ kind: "revoked", jti: familyId });
  }

  /**
   * Signs the user out everywhere: every refresh family, and every access token issued up to the
   * returned cut-off (seconds). The cut-off is taken after the refresh tokens are revoked, and a
   * refresh dates its access token from before its rotation, so a refresh racing this one is
   * either refused or issues a token under the cut-off.
   */
  async everywhere(userId: string): Promise<number> {
    await this.store.revokeRefreshTokensOf(userId, new Date(this.clock.now()));
    const before = this.clock.now() / 1000;
    await this.sessions.revokeUser(userId, before);
    this.announce({ kind: "signed-out", userId, before });
    return before;
  }
}
