import { murmur3 } from "@parley/common";

/**
 * The worker that owns `key` among `workers`: rendezvous (highest random weight) hashing. Every
 * worker with the same list picks the same owner, and when a worker leaves, only its own keys
 * move (each to its runner-up), so a change of membership reroutes as few rooms as possible.
 * Undefined for an empty list.
 */
export function ownerOf(key: string, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const worker of workers) {
    const weight = weightOf(worker, key);
    // Ties (astronomically rare) go to the smaller id, so every worker still agrees.
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && worker < best)) {
      best = worker;
      bestWeight = weight;
    }
  }
  return best;
}

/** A 32-bit weight for (worker, key): the balancer ring's hash (murmur3) over both. */
const weightOf = (worker: string, key: string): number => murmur3(`${worker}\u0000${key}`);
