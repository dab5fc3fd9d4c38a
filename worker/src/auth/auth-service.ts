import type { Credentials, User } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, type Clock, type RateDecision, type TokenClaims, TokenBuckets, type TokenIssuer } from "@parley/common";
import type { AttemptBudget, BudgetDecision } from "../ports/attempt-budget.ts";
import type { PasswordHasher } from "../ports/password-hasher.ts";
import type { DeviceClaims, DeviceTokens } from "./device-tokens.ts";
import { FairHashQueue } from "./fair-hash-queue.ts";
import { hashRefreshToken, type RefreshTokens } from "./refresh-tokens.ts";
import type { SignOut } from "./sign-out.ts";

type Rate = { max: number; windowSeconds: number };

export interface AuthLimits {
  /** Logins per client address and username, from devices not trusted for the account. */
  login: Rate;
  register: Rate;
  /** Logins per client address, across usernames, from untrusted devices; 30 a minute when absent. */
  loginAddress?: Rate;
}

/** Failed logins processed per account and hour from untrusted devices, whatever the address, on all workers (ASVS 2.2.1). */
export const FAILED_LOGINS_PER_ACCOUNT_HOUR = 100;
/** Failed logins per trusted device and hour: a stolen device cookie is no unlimited oracle. */
export const FAILED_LOGINS_PER_DEVICE_HOUR = 10;

/** Who is signing in: the client's address and the `parley_device` cookie it sent. */
export interface AuthClient {
  address: string;
  deviceCookie?: string;
}

/** What sign-in, refresh and password change answer: a short access token and the session's refresh token. */
export interface SessionGrant {
  user: User;
  token: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
}

/** A successful sign-in: the session for the body, the device cookie's new value for `Set-Cookie`. */
export interface SignedIn {
  session: SessionGrant;
  deviceCookie: string;
}

export function rateLimited(decision: RateDecision | BudgetDecision, what: string): ApiError {
  return new ApiError("rate_limited", `too many ${what}; retry in ${decision.retryAfter} s`, decision.retryAfter, {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(decision.retryAfter),
  });
}

/**
 * Registration and login: bcrypt hashes queued fairly per client, the same answer and timing for
 * unknown users and wrong passwords, and a per-account lock that a device which signed in before
 * is exempt from (docs/protocol.md, "Sign-in throttling").
 */
export class AuthService {
  private readonly loginBuckets: TokenBuckets;
  private readonly addressBuckets: TokenBuckets;
  private readonly registerBuckets: TokenBuckets;
  private readonly hashing: FairHashQueue;
  /** Compared against when the user does not exist, so both paths cost one bcrypt. */
  private readonly dummyHash: Promise<string>;
  private readonly adminKeys: Set<string>;

  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenIssuer,
    private readonly devices: DeviceTokens,
    private readonly failures: AttemptBudget,
    private readonly refreshTokens: RefreshTokens,
    private readonly signOut: SignOut,
    private readonly clock: Clock,
    limits: AuthLimits,
    /** ADMIN_USERNAMES: these become server admins when they register. */
    adminUsernames: readonly string[] = [],
  ) {
    this.adminKeys = new Set(adminUsernames.map((u) => u.toLowerCase()));
    // People mistype: the whole allowance is available at once, refilled over the window.
    const bucket = ({ max, windowSeconds }: Rate) => new TokenBuckets(max, max / windowSeconds, clock);
    this.loginBuckets = bucket(limits.login);
    this.addressBuckets = bucket(limits.loginAddress ?? { max: 30, windowSeconds: 60 });
    this.registerBuckets = bucket(limits.register);
    this.hashing = new FairHashQueue(hasher.parallelism ?? 1);
    this.dummyHash = hasher.hash(crypto.randomUUID());
    this.dummyHash.catch(() => {});
  }

  async register({ username, password }: Credentials, client: AuthClient): Promise<SignedIn> {
    const decision = this.registerBuckets.take(client.address);
    if (!decision.ok) throw rateLimited(decision, "registrations from this address");
    if (await this.store.findUserByName(username)) throw taken();
    const passwordHash = await this.hashing.run(`address:${client.address}`, () => this.hasher.hash(password));
    const user = await this.store.createUser({ id: crypto.randomUUID(), username, passwordHash }, { admin: this.adminKeys.has(username.toLowerCase()) });
    if (!user) throw taken();
    return this.signedIn(user, client);
  }

  async login({ username, password }: Credentials, client: AuthClient): Promise<SignedIn> {
    const account = username.toLowerCase();
    const devices = await this.devices.read(client.deviceCookie);
    // Without a device token nothing can exempt the attempt: refuse before reading the database.
    if (devices.length === 0) this.throttleUntrusted(client.address, account);
    const found = await this.store.findUserByName(username);
    const device = found ? devices.find((d) => d.userId === found.id) : undefined;
    if (!device && devices.length > 0) this.throttleUntrusted(client.address, account);

    const budget = device ? `login-device:${device.deviceId}` : `login-account:${account}`;
    const decision = await this.failures.take(budget, device ? FAILED_LOGINS_PER_DEVICE_HOUR : FAILED_LOGINS_PER_ACCOUNT_HOUR, 3600);
    if (!decision.ok)
      throw rateLimited(
        decision,
        device ? "failed logins from this device" : "failed logins for this account from new devices (a device that signed in before still can)",
      );
    // Only failures count: a right password, or an attempt never checked, gives its place back.
    const giveBack = () => this.failures.refund(budget, decision.ticket!).catch(() => {});
    let ok: boolean;
    try {
      ok = await this.hashing.run(hashingClient(device, client), async () => this.hasher.verify(password, found?.passwordHash ?? (await this.dummyHash)));
    } catch (error) {
      await giveBack();
      throw error;
    }
    if (!found || !ok) throw new ApiError("unauthorized", "invalid username or password");
    await giveBack();
    // Told only to someone who knows the password: a locked account is no oracle for guessing. Read
    // again after the hash (the slow part), so a lock during it is not missed.
    if (found.lockedAt || (await this.store.account(found.id))?.lockedAt) throw locked();
    return this.signedIn({ id: found.id, username: found.username }, client);
  }

  /** Trades a refresh token (single use) for the session's next access and refresh token. */
  async refresh(refreshToken: string): Promise<SessionGrant> {
    // Dated before the rotation: a sign-out everywhere racing it then covers this token too (SignOut.everywhere).
    const at = this.clock.now();
    const next = await this.refreshTokens
      .rotate(refreshToken, (familyId, userId) => this.signOut.family(familyId, userId))
      .catch(async (error: unknown) => {
        // Locking revoked the session's tokens: its owner hears why rather than "invalid token".
        if ((await this.store.refreshTokenOwner(await hashRefreshToken(refreshToken)))?.locked) throw locked();
        throw error;
      });
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
    const key = `address:${address}`;
    if (!(await this.hashing.run(key, () => this.hasher.verify(currentPassword, found.passwordHash))))
      throw new ApiError("forbidden", "the current password is wrong");
    await this.store.updatePassword(found.id, await this.hashing.run(key, () => this.hasher.hash(newPassword)));
    const cutoff = await this.signOut.everywhere(found.id);
    return this.grant(claims.user, cutoff);
  }

  private throttleUntrusted(address: string, account: string) {
    const fromAddress = this.addressBuckets.take(address);
    if (!fromAddress.ok) throw rateLimited(fromAddress, "login attempts from this address");
    const forAccount = this.loginBuckets.take(`${address}|${account}`);
    if (!forAccount.ok) throw rateLimited(forAccount, "login attempts");
  }

  private async signedIn(user: User, client: AuthClient): Promise<SignedIn> {
    return { session: await this.grant(user), deviceCookie: await this.devices.renew(client.deviceCookie, user.id) };
  }

  /** A new session: its first refresh token and an access token in it (issued after `after`, a cut-off). */
  private async grant(user: User, after?: number): Promise<SessionGrant> {
    const refresh = await this.refreshTokens.start(user);
    const access = await this.tokens.issue(user, { sid: refresh.familyId, after });
    return { user, token: access.token, expiresAt: access.expiresAt, refreshToken: refresh.refreshToken, refreshExpiresAt: refresh.refreshExpiresAt };
  }
}

/** Whose turn a hash waits for: a trusted device's own, so strangers at its address cannot crowd it out. */
const hashingClient = (device: DeviceClaims | undefined, client: AuthClient) => (device ? `device:${device.deviceId}` : `address:${client.address}`);

const taken = () => new ApiError("conflict", "that username is taken");
const locked = () => new ApiError("forbidden", "account locked");
