import type { Credentials, User } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, type Clock, type RateDecision, TokenBuckets, type TokenIssuer } from "@parley/common";
import type { PasswordHasher } from "../ports/password-hasher.ts";

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

/** Registration and login: bcrypt hashes, same answer and timing for unknown users and wrong passwords. */
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
    clock: Clock,
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
    return { user, ...(await this.tokens.issue(user)) };
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
    const user: User = { id: found.id, username: found.username };
    return { user, ...(await this.tokens.issue(user)) };
  }

  /** A fresh token for a still-valid one, so clients stay signed in without storing passwords. */
  refresh(user: User) {
    return this.tokens.issue(user);
  }
}

const taken = () => new ApiError("conflict", "that username is taken");
