/**
 * What lies past a room's read marker, as the server counted it plus what came live since:
 * `count` things past seq `from` when the room's newest seq was `asOf` (unknown for a room list,
 * which carries no seq), and the seqs of things that arrived after that, each counted once.
 */
export interface ReadTally {
  count: number;
  from: number;
  asOf?: number;
  live: number[];
}

/** A tally with nothing in it (a new object each time: a store adopts the object it is given). */
export const emptyTally = (): ReadTally => ({ count: 0, from: 0, live: [] });

/**
 * A fresh count from the server. Live seqs it already covers are dropped (a mention event may come
 * on the user's stream before the room's `subscribed` that counts it); later ones stay.
 */
export function rebase(tally: ReadTally | undefined, count: number, from: number, asOf?: number): ReadTally {
  const live = asOf === undefined ? [] : (tally?.live ?? []).filter((seq) => seq > asOf);
  return { count, from, asOf, live };
}

/** Counts something that arrived at `seq`, unless the server's count covers it or it is read or counted already. */
export function addLive(tally: ReadTally, seq: number, read: number): ReadTally {
  if (seq <= read || (tally.asOf !== undefined && seq <= tally.asOf) || tally.live.includes(seq)) return tally;
  return { ...tally, live: [...tally.live, seq] };
}

/**
 * How many are past `read`. Once the marker moved past where the server counted from, the server's
 * count is known only in part: nothing is left of it when the marker reached `asOf` (or `newest`,
 * the room's newest seq known), and at most one per seq between them otherwise (seqs are shared
 * with edits and reactions, so this is a bound). With neither known (a room list's count, before
 * the room's `subscribed`), a read past its marker is taken to cover it: a device reads up to the
 * newest it holds, and the `subscribed` that soon follows counts exactly.
 */
export function countPast(tally: ReadTally | undefined, read: number, newest?: number): number {
  if (!tally) return 0;
  const live = tally.live.filter((seq) => seq > read).length;
  if (read <= tally.from) return tally.count + live;
  const upTo = tally.asOf ?? newest;
  if (upTo === undefined) return live;
  return Math.max(0, Math.min(tally.count, upTo - read)) + live;
}
