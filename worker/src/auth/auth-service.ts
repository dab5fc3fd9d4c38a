import type { Credentials, User } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError } from "../errors.ts";
import type { Clock } from "../ports/clock.ts";
import type { PasswordHasher } from "../ports/password-hasher.ts";
import { TokenBuckets, type RateDecision } from "../ports/rate-limiter.ts";
import type { RefreshTokens } from "./refresh-tokens.ts";
import type { SignOut } from "./sign-out.ts";
import type { TokenClaims, TokenIssuer } from "./tokens.ts";

export interface AuthLimits {
  login: { max: number; windowSeconds: number };
  register: { max: number; windowSeconds: number };
}

/** Failed logins processed per account and hour, whatever the source address (ASVS 2.2.1). */
const FAILED_LOGINS_PER_ACCOUNT_HOUR = 100;

export function rateLimited(decision: RateDecision, what: string): ApiError {
  return new ApiError("rate_limited", `too many ${what}; retry in ${decision.retryAfter} s`, decision.retryAfter, {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(decision.retryAfter),
  });
}

/** What sign-in, refresh and password change answer: a short access token and the session's refresh token. */
export interface SessionGrant {
  user: User;
  token: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
}

/** Registration, login, refresh and password change: bcrypt hashes, same answer and timing for unknown users and wrong passwords. */
export class AuthService {
  private readonly loginBuckets: TokenBuckets;
  private readonly registerBuckets: TokenBuckets;
  private readonly failedLogins: TokenBuckets;
  /** Compared against when the user does not exist, so both paths cost one bcrypt. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenIssuer,
    private readonly refreshTokens: RefreshTokens,
    private readonly signOut: SignOut,
    private readonly clock: Clock,
    limits: AuthLimits,
  ) {
    // People mistype: the whole allowance is available at once, refilled over the window.
    this.loginBuckets = new TokenBuckets(limits.login.max, limits.login.max / limits.login.windowSeconds, clock);
    this.registerBuckets = new TokenBuckets(limits.register.max, limits.register.max / limits.register.windowSeconds, clock);
    this.failedLogins = TokenBuckets.perWindow(FAILED_LOGINS_PER_ACCOUNT_HOUR, 3600, clock);
    this.dummyHash = hasher.hash(crypto.randomUUID());
    this.dummyHash.catch(() => {});
  }

  async register({ username, password }: Credentials, address: string) {
    const decision = this.registerBuckets.take(address);
    if (!decision.ok) throw rateLimited(decision, "registrations from this address");
    if (await this.store.findUserByName(username)) throw taken();
    const passwordHash = await this.hasher.hash(password);
    const user = await this.store.createUser({ id: crypto.randomUUID(), username, passwordHash });
    if (!user) throw taken();
    return this.grant(user);
  }

  async login({ username, password }: Credentials, address: string) {
    const account = username.toLowerCase();
    const decision = this.loginBuckets.take(`${address}|${account}`);
    if (!decision.ok) throw rateLimited(decision, "login attempts");
    if (!this.failedLogins.peek(account)) {
      throw rateLimited(this.failedLogins.take(account), "failed logins for this account");
    }
    const found = await this.store.findUserByName(username);
    const ok = await this.hasher.verify(password, found?.passwordHash ?? (await this.dummyHash));
    if (!found || !ok) {
      this.failedLogins.take(account);
      throw new ApiError("unauthorized", "invalid username or password");
    }
    return this.grant({ id: found.id, username: found.username });
  }

  /** Trades a refresh token (single use) for the session's next access and refresh token. */
  async refresh(refreshToken: string): Promise<SessionGrant> {
    // Dated before the rotation: a sign-out everywhere racing it then covers this token too (SignOut.everywhere).
    const at = this.clock.now();
    const next = await this.refreshTokens.rotate(refreshToken, (familyId, userId) => this.signOut.family(familyId, userId));
    const access = await this.tokens.issue(next.user, { sid: next.familyId, at });
    return { user: next.user, token: access.token, expiresAt: access.expiresAt, refreshToken: next.refreshToken, refreshExpiresAt: next.refreshExpiresAt };
  }

  /**
   * Deprecated form (Bearer access token, no body): a new access token in the same session, and
   * the presented one revoked, so each is good for one refresh. Its sockets stay open until its
   * `exp`, for an `auth` frame with the new one.
   */
  async refreshAccessToken(claims: TokenClaims) {
    const access = await this.tokens.issue(claims.user, { sid: claims.sid });
    await this.signOut.token(claims, false);
    return { user: claims.user, token: access.token, expiresAt: access.expiresAt };
  }

  /**
   * Changes the password after checking the current one, signs the user out everywhere and
   * answers a new session for the device that asked.
   */
  async changePassword(claims: TokenClaims, currentPassword: string, newPassword: string, address: string): Promise<SessionGrant> {
    const decision = this.loginBuckets.take(`${address}|${claims.user.username.toLowerCase()}`);
    if (!decision.ok) throw rateLimited(decision, "password attempts");
    const found = await this.store.findUserByName(claims.user.username);
    if (!found || found.id !== claims.user.id) throw new ApiError("unauthorized", "this account no longer exists");
    if (!(await this.hasher.verify(currentPassword, found.passwordHash))) throw new ApiError("forbidden", "the current password is wrong");
    await this.store.updatePassword(found.id, await this.hasher.hash(newPassword));
    const cutoff = await this.signOut.everywhere(found.id);
    return this.grant(claims.user, cutoff);
  }

  /** A new session: its first refresh token and an access token in it (issued after `after`, a cut-off). */
  private async grant(user: User, after?: number): Promise<SessionGrant> {
    const refresh = await this.refreshTokens.start(user);
    const access = await this.tokens.issue(user, { sid: refresh.familyId, after });
    return { user, token: access.token, expiresAt: access.expiresAt, refreshToken: refresh.refreshToken, refreshExpiresAt: refresh.refreshExpiresAt };
  }
}

const taken = () => new ApiError("conflict", "that username is taken");
