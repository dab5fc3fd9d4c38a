import type { Redis } from "ioredis";
import { TokenBuckets, type Clock, type Logger, type RateDecision } from "@parley/worker/shared";

export interface Rate {
  max: number;
  windowSeconds: number;
}

/** Token buckets keyed by string; at most `max` per window, in bursts of a sixth of it. */
export interface RateLimiter {
  take(key: string, rate: Rate): Promise<RateDecision>;
}

/** Buckets in this process only: for a single balancer. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly byRate = new Map<string, TokenBuckets>();
  constructor(private readonly clock: Clock) {}

  async take(key: string, rate: Rate) {
    const id = `${rate.max}/${rate.windowSeconds}`;
    let buckets = this.byRate.get(id);
    if (!buckets) this.byRate.set(id, (buckets = TokenBuckets.perWindow(rate.max, rate.windowSeconds, this.clock)));
    return buckets.take(key);
  }
}

/**
 * One token bucket, atomically: refill by elapsed time (Redis' clock, so every balancer agrees),
 * then take. KEYS[1] bucket; ARGV capacity, refill per ms. Returns {taken, tokens as string}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / refill) + 1000)
return {taken, tostring(tokens)}`;

/** Buckets in Redis, shared by every balancer. Fails open (and says so in the log) while Redis is away. */
export class RedisRateLimiter implements RateLimiter {
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async take(key: string, rate: Rate): Promise<RateDecision> {
    const capacity = Math.max(1, Math.ceil(rate.max / 6));
    const refillPerMs = Math.max(rate.max - capacity, 1) / (rate.windowSeconds * 1000);
    try {
      const [taken, tokens] = (await this.redis.eval(TAKE, 1, `${this.prefix}:rate:${rate.max}/${rate.windowSeconds}:${key}`, capacity, refillPerMs)) as [number, string];
      const left = Number(tokens);
      return {
        ok: taken === 1,
        limit: capacity,
        remaining: Math.floor(left),
        retryAfter: taken === 1 ? 0 : Math.max(1, Math.ceil((1 - left) / refillPerMs / 1000)),
      };
    } catch (err) {
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err }, "rate limiter: Redis unavailable, not limiting");
      }
      return { ok: true, limit: capacity, remaining: capacity, retryAfter: 0 };
    }
  }
}
