import { murmur3 } from "@parley/common";

/**
 * Virtual nodes per worker. A worker's share of the hash space varies by about 1/sqrt(vnodes):
 * 160 left the busiest of 3 workers 7 % above the mean, 1000 leaves it about 3 % (`npm run bench -- ring`).
 * 3000 points still make a lookup a binary search of 12 steps.
 */
export const DEFAULT_VNODES = 1000;

/**
 * A consistent-hash ring with virtual nodes and bounded loads (Mirrokni, Thorup, Zadimoghaddam,
 * "Consistent Hashing with Bounded Loads", 2018). A key's home is the first worker clockwise from
 * its hash; adding or removing a worker moves only the keys between it and its predecessors.
 */
export class HashRing {
  private points = new Uint32Array(0);
  private owners: string[] = [];
  private readonly members = new Set<string>();

  constructor(readonly vnodes = DEFAULT_VNODES) {}

  get workers(): string[] {
    return [...this.members];
  }

  add(worker: string): void {
    if (this.members.has(worker)) return;
    this.members.add(worker);
    this.rebuild();
  }

  remove(worker: string): void {
    if (this.members.delete(worker)) this.rebuild();
  }

  /** The key's home worker, ignoring health and load. */
  home(key: string): string | undefined {
    return this.walk(key).next().value;
  }

  /**
   * The first worker clockwise from the key that `eligible` accepts and whose load is under the
   * bound ⌈c × (total + 1) / n⌉, where total is the load across all n eligible workers.
   */
  pick(key: string, options: { eligible?: (worker: string) => boolean; load?: (worker: string) => number; c?: number } = {}): string | undefined {
    const eligible = options.eligible ?? (() => true);
    const candidates = this.workers.filter(eligible);
    if (candidates.length === 0) return undefined;
    const load = options.load;
    let bound = Infinity;
    if (load) {
      const total = candidates.reduce((sum, w) => sum + load(w), 0);
      bound = Math.ceil(((options.c ?? 1.25) * (total + 1)) / candidates.length);
    }
    for (const worker of this.walk(key)) {
      if (!eligible(worker)) continue;
      if (!load || load(worker) < bound) return worker;
    }
    return undefined;
  }

  /** Each distinct worker once, in ring order from the key's position. */
  *walk(key: string): Generator<string> {
    const n = this.points.length;
    if (n === 0) return;
    const seen = new Set<string>();
    let i = this.search(murmur3(key));
    for (let step = 0; step < n && seen.size < this.members.size; step++, i = (i + 1) % n) {
      const owner = this.owners[i]!;
      if (seen.has(owner)) continue;
      seen.add(owner);
      yield owner;
    }
  }

  /** Share of the hash space each worker owns (sums to 1). */
  shares(): Map<string, number> {
    const shares = new Map<string, number>([...this.members].map((w) => [w, 0]));
    const n = this.points.length;
    for (let i = 0; i < n; i++) {
      const prev = i === 0 ? this.points[n - 1]! - 2 ** 32 : this.points[i - 1]!;
      shares.set(this.owners[i]!, shares.get(this.owners[i]!)! + (this.points[i]! - prev) / 2 ** 32);
    }
    return shares;
  }

  /** Index of the first point at or after the hash, wrapping to 0. */
  private search(hash: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.points.length ? 0 : lo;
  }

  private rebuild(): void {
    const entries: Array<[number, string]> = [];
    for (const worker of this.members) for (let v = 0; v < this.vnodes; v++) entries.push([murmur3(`${worker}#${v}`), worker]);
    // Ties (vanishingly rare) break by name so every process builds the same ring.
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    this.points = Uint32Array.from(entries, (e) => e[0]);
    this.owners = entries.map((e) => e[1]);
  }
}
