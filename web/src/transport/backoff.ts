/** Reconnect delays: "full jitter" (a random wait between 0 and an exponentially growing cap). */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 15_000 };

/**
 * The wait before reconnect attempt `attempt` (0 for the first): uniform in [0, min(max, base·2^attempt)).
 * Spreading clients out this way keeps a restarted server from being hit by all of them at once.
 */
export function fullJitter(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
