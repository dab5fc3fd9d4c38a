import type { Redis } from "ioredis";
import { type Clock, type Logger, type RateDecision, TokenBuckets } from "@parley/common";
import type { BalancerCounts } from "./metrics.ts";

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

/** Token buckets keyed by string; at most `max` per window, in bursts of a sixth of it. */
export interface RateLimiter {
  take(key: string, rate: Rate): Promise<RateDecision>;
  /**
   * Takes a token from each bucket in order and stops at the first refusal (tokens taken before it
   * stay taken, as with successive `take` calls): one round trip for a request's several limits.
   */
  takeAll(takes: readonly RateTake[]): Promise<Refusal | undefined>;
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

  async takeAll(takes: readonly RateTake[]) {
    for (let index = 0; index < takes.length; index++) {
      const decision = await this.take(takes[index]!.key, takes[index]!.rate);
      if (!decision.ok) return { index, decision };
    }
    return undefined;
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

/**
 * TAKE for each of #KEYS buckets in order, stopping at the first refusal. ARGV holds capacity and
 * refill per ms for each key in turn. Returns {0} when all took, else {1-based index, tokens}.
 */
const TAKE_ALL = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i - 1])
  local refill = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(b[1]) or capacity
  local at = tonumber(b[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - at) * refill)
  local taken = tokens >= 1
  if taken then tokens = tokens - 1 end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, math.ceil((capacity - tokens) / refill) + 1000)
  if not taken then return {i, tostring(tokens)} end
end
return {0}`;

/**
 * The scripts as commands on the limiter's connection: ioredis sends EVALSHA, and EVAL when Redis
 * answers NOSCRIPT (after a restart or SCRIPT FLUSH). TAKE_ALL's key count comes first, then KEYS, then ARGV.
 */
interface RateScripts {
  parleyRateTake(key: string, capacity: number, refillPerMs: number): Promise<[taken: number, tokens: string]>;
  parleyRateTakeAll(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<[index: number, tokens?: string]>;
}

/** A rate as a bucket: capacity (a sixth of max) and refill per millisecond. */
const bucketOf = (rate: Rate) => {
  const capacity = Math.max(1, Math.ceil(rate.max / 6));
  return { capacity, refillPerMs: Math.max(rate.max - capacity, 1) / (rate.windowSeconds * 1000) };
};

/**
 * Buckets in Redis, shared by every balancer. Fails open (and says so in the log) while Redis is away.
 * The scripts called during one turn of the event loop leave in one write (a batch sent from
 * setImmediate, the connection corked meanwhile): each still runs alone and in order on Redis, but a
 * balancer serving many clients pays one write and about one read for several requests, not two each.
 */
export class RedisRateLimiter implements RateLimiter {
  private lastWarning = 0;
  private readonly redis: Redis & RateScripts;
  private queued: Array<() => void> = [];

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly counts?: BalancerCounts,
  ) {
    redis.defineCommand("parleyRateTake", { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand("parleyRateTakeAll", { lua: TAKE_ALL });
    this.redis = redis as Redis & RateScripts;
  }

  async take(key: string, rate: Rate): Promise<RateDecision> {
    const { capacity, refillPerMs } = bucketOf(rate);
    try {
      const [taken, tokens] = await this.batched(() => this.redis.parleyRateTake(this.key(key, rate), capacity, refillPerMs));
      const left = Number(tokens);
      return {
        ok: taken === 1,
        limit: capacity,
        remaining: Math.floor(left),
        retryAfter: taken === 1 ? 0 : Math.max(1, Math.ceil((1 - left) / refillPerMs / 1000)),
      };
    } catch (err) {
      this.warn(err);
      return { ok: true, limit: capacity, remaining: capacity, retryAfter: 0 };
    }
  }

  async takeAll(takes: readonly RateTake[]): Promise<Refusal | undefined> {
    const keys = takes.map((t) => this.key(t.key, t.rate));
    const args: number[] = [];
    for (const t of takes) {
      const { capacity, refillPerMs } = bucketOf(t.rate);
      args.push(capacity, refillPerMs);
    }
    try {
      const reply = await this.batched(() => this.redis.parleyRateTakeAll(keys.length, ...keys, ...args));
      if (reply[0] === 0) return undefined;
      const index = reply[0] - 1;
      const { capacity, refillPerMs } = bucketOf(takes[index]!.rate);
      const left = Number(reply[1]);
      return {
        index,
        decision: { ok: false, limit: capacity, remaining: Math.floor(left), retryAfter: Math.max(1, Math.ceil((1 - left) / refillPerMs / 1000)) },
      };
    } catch (err) {
      this.warn(err);
      return undefined;
    }
  }

  /** Sends `call` with the others of this event-loop turn. */
  private batched<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const send = () => {
        try {
          call().then(resolve, reject);
        } catch (error) {
          reject(error as Error);
        }
      };
      if (this.queued.push(send) === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = () => {
    const calls = this.queued;
    this.queued = [];
    // While connecting, ioredis queues commands itself and writes them later; corking does no harm then.
    const stream = this.redis.stream;
    stream?.cork();
    for (const send of calls) send();
    stream?.uncork();
  };

  private key(key: string, rate: Rate): string {
    return `${this.prefix}:rate:${rate.max}/${rate.windowSeconds}:${key}`;
  }

  private warn(err: unknown): void {
    this.counts?.redisFailed(err);
    if (Date.now() - this.lastWarning > 10_000) {
      this.lastWarning = Date.now();
      this.logger.warn({ err }, "rate limiter: Redis unavailable, not limiting");
    }
  }
}
