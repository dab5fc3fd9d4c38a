/**
 * MurmurHash3 x86_32 of a string's UTF-16 code units. Chosen for the ring because it is fast in
 * JavaScript (no allocation, ~100 ns for a UUID), spreads similar keys (UUIDs, addresses that share
 * prefixes) evenly, and is stable across processes and versions, so every balancer builds the same ring.
 * It is not cryptographic: keys are server-issued user ids or client addresses, and bounded loads
 * cap what any crafted key distribution could pile onto one worker.
 */
export function murmur3(key: string, seed = 0): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let i = 0;
  const length = key.length;
  for (; i + 1 < length; i += 2) {
    let k = (key.charCodeAt(i) & 0xffff) | ((key.charCodeAt(i + 1) & 0xffff) << 16);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < length) {
    let k = key.charCodeAt(i) & 0xffff;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= length * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
