import { CLOSE_CODES, type ServerFrame } from "@parley/protocol";
import type { Sessions } from "../auth/sessions.ts";
import { ApiError, toApiError } from "@parley/common";
import type { Clock } from "@parley/common";
import type { Peer } from "./peer.ts";

/** setTimeout's longest delay; a later expiry is re-armed when it fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Keeps a connection to its token's lifetime: closes it with 4001 at `exp`, unless an `auth` frame
 * brought a fresh token of the same user first. The same code runs on Node and workerd.
 */
export class SocketAuth {
  private timer?: ReturnType<typeof setTimeout>;
  /** Counts `auth` frames, so a slow check of an older one cannot replace a newer token. */
  private attempts = 0;

  constructor(
    private readonly peer: Peer,
    private readonly sessions: Pick<Sessions, "authenticate">,
    private readonly clock: Clock,
  ) {
    this.arm();
  }

  /** Checks the token of an `auth` frame and, when it is good, lives on it: answers `authed` or an error. */
  async renew(token: string, send: (frame: ServerFrame) => void): Promise<void> {
    const attempt = ++this.attempts;
    try {
      const claims = await this.sessions.authenticate(token);
      if (claims.user.id !== this.peer.user.id) throw new ApiError("forbidden", "the token is for another user; open a new connection");
      if (attempt === this.attempts) {
        this.peer.token = { jti: claims.jti, sid: claims.sid, iat: claims.iat, exp: claims.exp };
        this.arm();
      }
      send({ type: "authed", exp: claims.exp });
    } catch (error) {
      const { code, message } = toApiError(error);
      send({ type: "error", code, message });
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    const exp = this.peer.token?.exp;
    if (exp === undefined) return;
    const left = exp * 1000 - this.clock.now();
    if (left <= 0) return this.peer.close(CLOSE_CODES.tokenExpired, "token expired");
    this.timer = setTimeout(() => this.arm(), Math.min(left, MAX_DELAY_MS));
  }
}
