import type { Credentials, User } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, type Clock, type RateDecision, TokenBuckets, type TokenIssuer } from "@parley/common";
import type { AttemptBudget, BudgetDecision } from "../ports/attempt-budget.ts";
import type { PasswordHasher } from "../ports/password-hasher.ts";
import type { DeviceClaims, DeviceTokens } from "./device-tokens.ts";
import { FairHashQueue } from "./fair-hash-queue.ts";

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

/** A successful sign-in: the session for the body, the device cookie's new value for `Set-Cookie`. */
export interface SignedIn {
  session: { user: User; token: string; expiresAt: string };
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

  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenIssuer,
    private readonly devices: DeviceTokens,
    private readonly failures: AttemptBudget,
    clock: Clock,
    limits: AuthLimits,
  ) {
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
    const user = await this.store.createUser({ id: crypto.randomUUID(), username, passwordHash });
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
    if (!decision.ok) throw rateLimited(decision, device ? "failed logins from this device" : "failed logins for this account from new devices (a device that signed in before still can)");
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
    return this.signedIn({ id: found.id, username: found.username }, client);
  }

  /** A fresh token for a still-valid one, so clients stay signed in without storing passwords. */
  refresh(user: User) {
    return this.tokens.issue(user);
  }

  private throttleUntrusted(address: string, account: string) {
    const fromAddress = this.addressBuckets.take(address);
    if (!fromAddress.ok) throw rateLimited(fromAddress, "login attempts from this address");
    const forAccount = this.loginBuckets.take(`${address}|${account}`);
    if (!forAccount.ok) throw rateLimited(forAccount, "login attempts");
  }

  private async signedIn(user: User, client: AuthClient): Promise<SignedIn> {
    return { session: { user, ...(await this.tokens.issue(user)) }, deviceCookie: await this.devices.renew(client.deviceCookie, user.id) };
  }
}

/** Whose turn a hash waits for: a trusted device's own, so strangers at its address cannot crowd it out. */
const hashingClient = (device: DeviceClaims | undefined, client: AuthClient) => (device ? `device:${device.deviceId}` : `address:${client.address}`);

const taken = () => new ApiError("conflict", "that username is taken");
