/** How long to wait before retry number `attempt` (0 for the first); `random` is replaceable for tests. */
export type Backoff = (attempt: number, random?: () => number) => number;

export interface BackoffPolicy {
  /** The cap of the first attempt's wait; it doubles with each attempt after. */
  baseMs: number;
  /** No wait is ever this long or longer. */
  capMs: number;
}

/**
 * "Full jitter" backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"): a wait uniform in
 * [0, min(cap, base·2^attempt)), whole milliseconds. Spreading the retries of many clients this way
 * keeps a server that comes back from being hit by all of them at once. Runtime-neutral: browsers,
 * Node and workerd alike.
 */
export function fullJitterBackoff({ baseMs, capMs }: BackoffPolicy): Backoff {
  return (attempt, random = Math.random) => {
    // Past 2^30 the cap has long won; the clamp keeps 2 ** attempt finite.
    const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
    return Math.floor(random() * ceiling);
  };
}
