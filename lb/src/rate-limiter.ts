import { type Clock, type RateDecision, TokenBuckets } from "@parley/common";

export interface Rate {
  max: number;
  windowSeconds: number;
}

/** One bucket to take a token from. */
export interface RateTake {
  key: string;
  rate: Rate;
}

/** The first bucket that refused, by its index in the list, with its decision. */
export interface Refusal {
  index: number;
  decision: RateDecision;
}

/**
 * Where the buckets are now, as `/readyz` and `/lb/status` show it: `redis` shared by every
 * balancer, `local` in this process because Redis is away (each balancer then limits alone), or
 * `memory` in this process because no Redis is configured.
 */
export type RateLimiterMode = "redis" | "local" | "memory";

/** Token buckets keyed by string; at most `max` per window, in bursts of a sixth of it. */
export interface RateLimiter {
  /**
   * Takes a token from each bucket in order and stops at the first refusal (tokens taken before it
   * stay taken, as with successive single takes): one round trip for a request's several limits.
   */
  takeAll(takes: readonly RateTake[]): Promise<Refusal | undefined>;
  readonly mode: RateLimiterMode;
}

/** Buckets in this process only: for a single balancer, and for one whose Redis is away. */
export class MemoryRateLimiter implements RateLimiter {
  readonly mode = "memory";
  private readonly byRate = new Map<string, TokenBuckets>();
  constructor(private readonly clock: Clock) {}

  async takeAll(takes: readonly RateTake[]): Promise<Refusal | undefined> {
    for (let index = 0; index < takes.length; index++) {
      const { key, rate } = takes[index]!;
      const id = `${rate.max}/${rate.windowSeconds}`;
      let buckets = this.byRate.get(id);
      if (!buckets) this.byRate.set(id, (buckets = TokenBuckets.perWindow(rate.max, rate.windowSeconds, this.clock)));
      const decision = buckets.take(key);
      if (!decision.ok) return { index, decision };
    }
    return undefined;
  }
}
