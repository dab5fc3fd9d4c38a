import type { Clock } from "@parley/common";

/** What `AttemptBudget.take` decided. */
export interface BudgetDecision {
  ok: boolean;
  limit: number;
  /** Attempts left in the window after this one. */
  remaining: number;
  /** Seconds until an attempt is back (at least 1 when refused, 0 when taken). */
  retryAfter: number;
  /** Names the attempt taken, for `refund`; absent when refused. */
  ticket?: string;
}

/**
 * Attempts counted in a sliding window: at most `max` in any `windowSeconds`, per key. Shared by
 * every worker when it lives in Redis, so N workers do not give N× the budget, and kept across a
 * worker's restart. Login uses it for failed attempts per account and per trusted device.
 */
export interface AttemptBudget {
  /** Counts one attempt under `key` when fewer than `max` were counted in the last `windowSeconds`. */
  take(key: string, max: number, windowSeconds: number): Promise<BudgetDecision>;
  /** Un-counts the attempt a `take` counted (it turned out not to be a failure). */
  refund(key: string, ticket: string): Promise<void>;
  close?(): Promise<void>;
}

/** Seconds to wait for the oldest of a full window to leave it. */
export const secondsUntil = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** An AttemptBudget in one process's memory: the embedded default, and workerd's gateway 0. */
export class MemoryAttemptBudget implements AttemptBudget {
  private readonly logs = new Map<string, { entries: Array<{ at: number; ticket: string }>; until: number }>();
  private tickets = 0;

  constructor(private readonly clock: Clock) {}

  async take(key: string, max: number, windowSeconds: number): Promise<BudgetDecision> {
    const now = this.clock.now();
    const windowMs = windowSeconds * 1000;
    const log = (this.logs.get(key)?.entries ?? []).filter((e) => e.at > now - windowMs);
    if (this.logs.size > 10_000) this.prune(now);
    if (log.length >= max) {
      this.logs.set(key, { entries: log, until: log[log.length - 1]!.at + windowMs });
      return { ok: false, limit: max, remaining: 0, retryAfter: secondsUntil(log[0]!.at + windowMs - now) };
    }
    const ticket = String(++this.tickets);
    log.push({ at: now, ticket });
    this.logs.set(key, { entries: log, until: now + windowMs });
    return { ok: true, limit: max, remaining: max - log.length, retryAfter: 0, ticket };
  }

  async refund(key: string, ticket: string) {
    const log = this.logs.get(key)?.entries;
    const i = log?.findIndex((e) => e.ticket === ticket) ?? -1;
    if (i >= 0) log!.splice(i, 1);
  }

  private prune(now: number) {
    for (const [key, log] of this.logs) if (log.until <= now) this.logs.delete(key);
  }
}
