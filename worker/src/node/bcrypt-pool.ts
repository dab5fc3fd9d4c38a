import { Worker } from "node:worker_threads";
import { ApiError } from "@parley/common";
import type { PasswordHasher } from "../ports/password-hasher.ts";

type Job = { id: number; op: "hash" | "verify"; password: string; hash?: string; cost: number };
type Pending = { resolve: (value: string | boolean) => void; reject: (error: Error) => void; thread: number };

/** Hashes waiting at most (a backstop: the login path queues fairly per client before this). */
const MAX_QUEUED = 256;

/**
 * bcrypt on worker threads, so a burst of logins never stalls chat on the event loop. Each job
 * goes to the thread with the fewest jobs; each thread does one at a time.
 */
export class BcryptPool implements PasswordHasher {
  private readonly threads: Worker[];
  private readonly pending = new Map<number, Pending>();
  /** Jobs sent to each thread and not answered yet. */
  private readonly load: number[];
  private ids = 0;
  readonly parallelism: number;

  constructor(
    private readonly cost: number,
    size: number,
  ) {
    this.parallelism = Math.max(1, size);
    this.load = Array.from({ length: this.parallelism }, () => 0);
    this.threads = Array.from({ length: this.parallelism }, () => {
      const worker = new Worker(new URL("./bcrypt-thread.mjs", import.meta.url));
      worker.unref();
      worker.on("message", ({ id, result, error }: { id: number; result?: string | boolean; error?: string }) => {
        const job = this.pending.get(id);
        this.pending.delete(id);
        if (job) this.load[job.thread]!--;
        if (error !== undefined) job?.reject(new Error(error));
        else job?.resolve(result!);
      });
      return worker;
    });
  }

  hash(password: string) {
    return this.submit({ op: "hash", password, cost: this.cost }) as Promise<string>;
  }

  verify(password: string, hash: string) {
    return this.submit({ op: "verify", password, hash, cost: this.cost }) as Promise<boolean>;
  }

  private submit(job: Omit<Job, "id">): Promise<string | boolean> {
    if (this.pending.size >= MAX_QUEUED) return Promise.reject(new ApiError("unavailable", "too many logins at once; retry shortly", 1));
    const id = ++this.ids;
    const thread = this.load.indexOf(Math.min(...this.load));
    this.load[thread]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, thread });
      this.threads[thread]!.postMessage({ id, ...job });
    });
  }

  async close() {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
