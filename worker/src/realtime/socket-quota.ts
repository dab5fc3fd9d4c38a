import { ApiError } from "@parley/common";

/** Live WebSockets allowed at once on one worker. */
export interface SocketLimits {
  perUser: number;
  perAddress: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = { perUser: 20, perAddress: 200 };

/** An upgrade that never opens gives its place back after this. */
const UNOPENED_MS = 10_000;

/**
 * Counts live WebSockets per user and per client address. A place is taken before the upgrade
 * (so a burst of parallel upgrades cannot all pass the check) and given back when the socket
 * closes. The user is the main key: many users behind one NAT share only the generous per-address cap.
 */
export class SocketQuota {
  private readonly users = new Map<string, number>();
  private readonly addresses = new Map<string, number>();

  constructor(private readonly limits: SocketLimits) {}

  /** Takes a place or throws 429 `rate_limited`; call `opened()` when the socket opens and `release()` once when it ends. */
  take(userId: string, address: string): { opened(): void; release(): void } {
    if ((this.users.get(userId) ?? 0) >= this.limits.perUser)
      throw tooMany(`WebSockets open for this user (at most ${this.limits.perUser})`, this.limits.perUser);
    if ((this.addresses.get(address) ?? 0) >= this.limits.perAddress)
      throw tooMany(`WebSockets open from this address (at most ${this.limits.perAddress})`, this.limits.perAddress);
    bump(this.users, userId, 1);
    bump(this.addresses, address, 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(unopened);
      bump(this.users, userId, -1);
      bump(this.addresses, address, -1);
    };
    const unopened = setTimeout(release, UNOPENED_MS);
    return { opened: () => clearTimeout(unopened), release };
  }

  /** Places taken now, for tests and status. */
  count(key: { userId?: string; address?: string }): number {
    return key.userId !== undefined ? (this.users.get(key.userId) ?? 0) : (this.addresses.get(key.address ?? "") ?? 0);
  }
}

function bump(counts: Map<string, number>, key: string, by: number) {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

const tooMany = (what: string, limit: number) =>
  new ApiError("rate_limited", `too many ${what}; close one or retry later`, 1, {
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": "0",
    "RateLimit-Reset": "1",
  });
