import type { Clock } from "./clock.ts";

export interface RateDecision {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a token is back (at least 1 when refused). */
  retryAfter: number;
}

/**
 * Token buckets keyed by string: `capacity` tokens, refilled continuously at `refillPerSecond`.
 * In memory, per worker; idle full buckets are forgotten.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly clock: Clock,
  ) {}

  /**
   * A bucket that admits at most `max` in any `windowSeconds`: bursts of a sixth of `max`, the rest
   * refilled over the window (a bucket's worst case is capacity + refill × window).
   */
  static perWindow(max: number, windowSeconds: number, clock: Clock) {
    const burst = Math.max(1, Math.ceil(max / 6));
    return new TokenBuckets(burst, Math.max(max - burst, 1) / windowSeconds, clock);
  }

  take(key: string, cost = 1): RateDecision {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
    bucket.at = now;
    const ok = bucket.tokens >= cost;
    if (ok) bucket.tokens -= cost;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
    const missing = Math.max(0, cost - bucket.tokens);
    return {
      ok,
      limit: this.capacity,
      remaining: Math.floor(bucket.tokens),
      retryAfter: ok ? 0 : Math.max(1, Math.ceil(missing / this.refillPerSecond)),
    };
  }

  /** True when `take` would succeed, without taking. */
  peek(key: string): boolean {
    const bucket = this.buckets.get(key);
    if (!bucket) return true;
    return bucket.tokens + ((this.clock.now() - bucket.at) / 1000) * this.refillPerSecond >= 1;
  }

  private prune(now: number) {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.refillPerSecond >= this.capacity) this.buckets.delete(key);
    }
  }
}
