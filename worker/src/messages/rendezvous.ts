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

/** A 32-bit weight for (worker, key): FNV-1a over both, then murmur3's finalizer to spread the bits. */
function weightOf(worker: string, key: string): number {
  let h = 0x811c9dc5;
  const text = `${worker}\u0000${key}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
