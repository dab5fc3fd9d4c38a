import type { Redis } from "ioredis";
import type { Clock, Logger } from "@parley/common";
import { isCluster, type RedisConnection } from "@parley/common/redis";
import { MemoryRateLimiter, type Rate, type RateLimiter, type RateTake, type Refusal } from "./rate-limiter.ts";
import type { BalancerCounts } from "./metrics.ts";

/**
 * Token buckets, atomically: refill by elapsed time (Redis' clock, so every balancer agrees), then
 * take, for each of #KEYS buckets in order, stopping at the first refusal. ARGV holds capacity and
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
 * The script as a command on the limiter's connection: ioredis sends EVALSHA, and EVAL when Redis
 * answers NOSCRIPT (after a restart or SCRIPT FLUSH). The key count comes first, then KEYS, then ARGV.
 */
interface RateScripts {
  parleyRateTakeAll(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<[index: number, tokens?: string]>;
}

/** A rate as a bucket: capacity (a sixth of max) and refill per millisecond, as TokenBuckets.perWindow. */
const bucketOf = (rate: Rate) => {
  const capacity = Math.max(1, Math.ceil(rate.max / 6));
  return { capacity, refillPerMs: Math.max(rate.max - capacity, 1) / (rate.windowSeconds * 1000) };
};

/** A Redis call not answered within this counts as failed: the request is limited locally instead of waiting. */
const REDIS_WAIT_MS = 1000;
/** How often a limiter that lost Redis checks whether it is back. */
const PROBE_INTERVAL_MS = 1000;
/** Never refused: the probe's take checks that the script runs, not a limit. */
const PROBE_RATE: Rate = { max: 1_000_000, windowSeconds: 1 };

const shifted = (refusal: Refusal | undefined, by: number) => refusal && { ...refusal, index: refusal.index + by };

/**
 * Buckets in Redis, shared by every balancer, on standalone Redis or a Cluster. Each bucket's key
 * carries its own hash tag (`{rl:<key>}`): on standalone a request's buckets go in one script, on a
 * Cluster (where they live on different shards) one script per bucket, in order, the next only when
 * the last took. When Redis fails or does not answer in time, the same buckets are taken in this
 * process (`mode` turns `local`, logged once) until a probe finds every master answering and the
 * script running again (logged once too). The scripts called during one turn of the event loop leave
 * in one write per connection (a batch sent from setImmediate, the connections corked meanwhile).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RedisConnection & RateScripts;
  private readonly local: MemoryRateLimiter;
  private queued: Array<{ call: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: Error) => void }> = [];
  private probe?: NodeJS.Timeout;
  private probing = false;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
    private readonly logger: Logger,
    clock: Clock,
    private readonly counts?: BalancerCounts,
  ) {
    // Not defineScripts: the key count varies per call, so ioredis must not fix it.
    redis.defineCommand("parleyRateTakeAll", { lua: TAKE_ALL });
    this.redis = redis as RedisConnection & RateScripts;
    this.local = new MemoryRateLimiter(clock);
  }

  get mode() {
    return this.probe ? ("local" as const) : ("redis" as const);
  }

  async takeAll(takes: readonly RateTake[]): Promise<Refusal | undefined> {
    if (this.probe) return this.local.takeAll(takes);
    // Standalone: one script for all of a request's buckets; Cluster: they hash to different slots, one script each.
    const groups = isCluster(this.redis) ? takes.map((take) => [take]) : [takes];
    let done = 0;
    for (const group of groups) {
      let refusal: Refusal | undefined;
      try {
        refusal = await this.takeInRedis(group);
      } catch (err) {
        this.counts?.redisFailed(err);
        this.degrade(err);
        // The buckets already taken in Redis stay taken; the rest are taken here.
        return shifted(await this.local.takeAll(takes.slice(done)), done);
      }
      if (refusal) return shifted(refusal, done);
      done += group.length;
    }
    return undefined;
  }

  private async takeInRedis(takes: readonly RateTake[]): Promise<Refusal | undefined> {
    const keys = takes.map((t) => `${this.prefix}:{rl:${t.key}}:${t.rate.max}/${t.rate.windowSeconds}`);
    const args: number[] = [];
    for (const t of takes) {
      const { capacity, refillPerMs } = bucketOf(t.rate);
      args.push(capacity, refillPerMs);
    }
    const reply = await this.batched(() => this.redis.parleyRateTakeAll(keys.length, ...keys, ...args));
    if (reply[0] === 0) return undefined;
    const index = reply[0] - 1;
    const { capacity, refillPerMs } = bucketOf(takes[index]!.rate);
    const left = Number(reply[1]);
    return {
      index,
      decision: { ok: false, limit: capacity, remaining: Math.floor(left), retryAfter: Math.max(1, Math.ceil((1 - left) / refillPerMs / 1000)) },
    };
  }

  private degrade(err: unknown): void {
    if (this.probe) return;
    this.logger.warn({ err }, "rate limiter: Redis unavailable, limiting in this process");
    this.probe = setInterval(() => void this.check(), PROBE_INTERVAL_MS).unref();
  }

  /** Back to Redis once every master answers PING and the script runs. */
  private async check(): Promise<void> {
    if (this.probing || this.redis.status !== "ready") return;
    this.probing = true;
    try {
      const masters = this.connections();
      if (masters.length === 0) return;
      await Promise.all([...masters.map((m) => this.batched(() => m.ping())), this.takeInRedis([{ key: "probe", rate: PROBE_RATE }])]);
      if (!this.probe) return;
      clearInterval(this.probe);
      this.probe = undefined;
      this.logger.info({}, "rate limiter: Redis is back, limits shared again");
    } catch {
      // Still away; the next probe tries again.
    } finally {
      this.probing = false;
    }
  }

  /** The connections commands leave on: the standalone one, or each master's. */
  private connections(): Redis[] {
    return isCluster(this.redis) ? this.redis.nodes("master") : [this.redis];
  }

  /** Sends `call` with the others of this event-loop turn; it fails if Redis does not answer within REDIS_WAIT_MS. */
  private batched<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.push({ call, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = () => {
    const batch = this.queued;
    this.queued = [];
    let pending = batch.length;
    // One timer for the batch; a promise settles once, so a late reply after it fired changes nothing.
    const timer = setTimeout(() => {
      for (const queued of batch) queued.reject(new Error(`Redis did not answer within ${REDIS_WAIT_MS} ms`));
    }, REDIS_WAIT_MS);
    const settled = () => {
      if (--pending === 0) clearTimeout(timer);
    };
    // While connecting, ioredis queues commands itself and writes them later; corking does no harm then.
    const streams = this.connections().map((c) => c.stream);
    for (const stream of streams) stream?.cork();
    for (const { call, resolve, reject } of batch) {
      let reply: Promise<unknown>;
      try {
        reply = call();
      } catch (error) {
        reply = Promise.reject(error as Error);
      }
      void reply.then(resolve, reject).finally(settled);
    }
    for (const stream of streams) stream?.uncork();
  };
}
