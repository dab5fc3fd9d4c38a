import { MemoryAttemptBudget, secondsUntil, type AttemptBudget, type BudgetDecision } from "../ports/attempt-budget.ts";
import type { Clock } from "@parley/common";
import type { Logger } from "@parley/common";
import { defineScripts, type RedisConnection } from "@parley/common/redis";

/*
 * Layout: one sorted set per key, `<prefix>:attempts:<key>`, members are tickets scored by the time
 * (ms) of their attempt. The set expires a window after its newest attempt.
 */

/**
 * KEYS: the log. ARGV: now, cutoff (now − window), window ms, max, ticket.
 * Returns {1, remaining, 0} when the attempt is counted, {0, 0, ms until the oldest leaves} when full.
 * One script, so workers racing for the last attempts of an account cannot both take it.
 */
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[4])
if n >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, 0, tonumber(oldest[2]) + tonumber(ARGV[3]) - tonumber(ARGV[1])}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, max - n - 1, 0}`;

interface BudgetScripts {
  attemptTake(key: string, now: number, cutoff: number, windowMs: number, max: number, ticket: string): Promise<[number, number, number]>;
}

/** Marks tickets of the in-memory fallback. */
const LOCAL = "local:";

/**
 * Attempt budgets in Redis, shared by every worker and kept across their restarts. While Redis
 * cannot be reached, each worker counts in its own memory instead: logins keep working, with a
 * worker's share of the budget rather than the cluster's.
 */
export class RedisAttemptBudget implements AttemptBudget {
  private readonly redis: RedisConnection & BudgetScripts;
  private readonly fallback: MemoryAttemptBudget;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    this.redis = defineScripts<BudgetScripts>(redis, { attemptTake: { numberOfKeys: 1, lua: TAKE } });
    this.fallback = new MemoryAttemptBudget(clock);
  }

  async take(key: string, max: number, windowSeconds: number): Promise<BudgetDecision> {
    const now = this.clock.now();
    const windowMs = windowSeconds * 1000;
    const ticket = crypto.randomUUID();
    let answer: [number, number, number];
    try {
      answer = await this.redis.attemptTake(this.key(key), now, now - windowMs, windowMs, max, ticket);
    } catch (err) {
      this.logger?.warn({ err }, "attempt budget: Redis unreachable, counting in memory");
      const local = await this.fallback.take(key, max, windowSeconds);
      return local.ticket ? { ...local, ticket: LOCAL + local.ticket } : local;
    }
    const [ok, remaining, waitMs] = answer;
    return ok === 1 ? { ok: true, limit: max, remaining, retryAfter: 0, ticket } : { ok: false, limit: max, remaining: 0, retryAfter: secondsUntil(waitMs) };
  }

  async refund(key: string, ticket: string) {
    if (ticket.startsWith(LOCAL)) return this.fallback.refund(key, ticket.slice(LOCAL.length));
    await this.redis.zrem(this.key(key), ticket);
  }

  private key(key: string) {
    return `${this.prefix}:attempts:${key}`;
  }
}
