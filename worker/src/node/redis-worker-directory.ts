import type { RedisConnection } from "@parley/common/redis";
import type { Logger } from "@parley/common";
import type { WorkerDirectory } from "../ports/worker-directory.ts";

export interface RedisWorkerDirectoryOptions {
  /** How often this worker renews its entry and reads the list. */
  heartbeatMs?: number;
  /** An entry not renewed for this long is a dead worker's. */
  ttlMs?: number;
}

/**
 * The live workers in one Redis sorted set, `<prefix>:{workers}:live`: member = worker id, score =
 * the time its entry expires. Each heartbeat is one MULTI on that single key (renew, drop expired,
 * read), so it works unchanged on Redis Cluster. Scores are the workers' own clocks: the TTL must
 * exceed their skew. While Redis does not answer, the list is this worker alone, so sends are
 * stored where they arrive instead of waiting on forwards that cannot travel.
 */
export class RedisWorkerDirectory implements WorkerDirectory {
  private workers: readonly string[];
  private readonly handlers: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly key: string;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    readonly self: string,
    private readonly logger: Logger,
    options: RedisWorkerDirectoryOptions = {},
  ) {
    this.key = `${prefix}:{workers}:live`;
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 3000;
    this.workers = [self];
  }

  /** Joins the list and heartbeats until `close`. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  live(): readonly string[] {
    return this.workers;
  }

  onChange(handler: () => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.zrem(this.key, this.self).catch((err) => this.logger.warn({ err }, "cannot leave the worker directory"));
  }

  private async beat() {
    const now = Date.now();
    let workers: string[];
    try {
      const replies = await this.redis
        .multi()
        .zadd(this.key, now + this.ttlMs, this.self)
        .zremrangebyscore(this.key, "-inf", now)
        .zrangebyscore(this.key, now, "+inf")
        .exec();
      const read = replies?.[2];
      if (!read || read[0]) throw read?.[0] ?? new Error("worker directory transaction aborted");
      workers = (read[1] as string[]).includes(this.self) ? (read[1] as string[]) : [...(read[1] as string[]), this.self];
    } catch (err) {
      this.logger.warn({ err }, "worker directory heartbeat failed; storing sends here");
      workers = [this.self];
    }
    workers.sort();
    if (workers.join("\n") === this.workers.join("\n")) return;
    this.workers = workers;
    for (const handler of this.handlers) handler();
  }
}
