import { ApiError } from "@parley/common";

/** Hashes one client may have waiting or running at once; past it that client gets 429. */
export const HASHES_PER_CLIENT = 4;
/** Hashes waiting in all; past it everyone gets 503 rather than an ever longer queue. */
const MAX_QUEUED = 256;

type Job = { run: () => Promise<unknown>; resolve: (value: never) => void; reject: (error: unknown) => void };

/**
 * Password hashing shared fairly between clients (an address, or a trusted device): at most
 * `concurrency` hashes run, and the next one is taken from each waiting client in turn, so a
 * client flooding logins waits behind its own hashes, not in front of everyone else's. Each
 * client may hold only a few places.
 */
export class FairHashQueue {
  /** Waiting jobs per client, in the order clients take turns (a Map keeps insertion order). */
  private readonly waiting = new Map<string, Job[]>();
  /** Jobs waiting or running, per client. */
  private readonly held = new Map<string, number>();
  private running = 0;
  private queued = 0;

  constructor(
    private readonly concurrency: number,
    private readonly perClient = HASHES_PER_CLIENT,
  ) {}

  /** Runs `job` when it is `client`'s turn; 429 when the client holds its share, 503 when the queue is full. */
  run<T>(client: string, job: () => Promise<T>): Promise<T> {
    const held = this.held.get(client) ?? 0;
    if (held >= this.perClient) {
      const headers = { "RateLimit-Limit": String(this.perClient), "RateLimit-Remaining": "0", "RateLimit-Reset": "1" };
      return Promise.reject(new ApiError("rate_limited", "too many logins from this address at once; retry in 1 s", 1, headers));
    }
    if (this.queued >= MAX_QUEUED) return Promise.reject(new ApiError("unavailable", "too many logins at once; retry shortly", 1));
    this.held.set(client, held + 1);
    this.queued++;
    return new Promise<T>((resolve, reject) => {
      const jobs = this.waiting.get(client);
      const entry: Job = { run: job, resolve: resolve as (value: never) => void, reject };
      if (jobs) jobs.push(entry);
      else this.waiting.set(client, [entry]);
      this.dispatch();
    });
  }

  private dispatch() {
    while (this.running < this.concurrency && this.waiting.size > 0) {
      const [client, jobs] = this.waiting.entries().next().value!;
      const job = jobs.shift()!;
      // The client goes to the back of the turn order, or out of it when it has nothing left.
      this.waiting.delete(client);
      if (jobs.length > 0) this.waiting.set(client, jobs);
      this.queued--;
      this.running++;
      Promise.resolve()
        .then(job.run)
        .then(job.resolve as (value: unknown) => void, job.reject)
        .finally(() => {
          this.running--;
          const left = (this.held.get(client) ?? 1) - 1;
          if (left > 0) this.held.set(client, left);
          else this.held.delete(client);
          this.dispatch();
        });
    }
  }
}
