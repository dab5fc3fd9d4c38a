/**
 * The balancer's consistent-hash ring (lb/src/hash-ring.ts), in process: how evenly it spreads users,
 * how many move when a worker joins or leaves, and what a lookup costs. Each seed draws new worker
 * URLs (so new vnode positions) and new user ids, both from a seeded generator: runs repeat exactly.
 */
import { DEFAULT_VNODES, HashRing } from "../lb/src/hash-ring.ts";
import { murmur3 } from "@parley/common";
import { figure, type BarChart, type Bench, type Figure } from "./lib/report.ts";

const WORKERS = 3;
const USERS = 10_000;
/** LB_BOUND_C's default: the balancer places WebSockets with `pick` under this bound. */
const BOUND_C = 1.25;

/** mulberry32: a small seeded generator, so every run sees the same rings and users. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A v4 UUID like the ones the worker issues as user ids. */
function uuid(rand: () => number): string {
  const b = Array.from({ length: 16 }, () => Math.floor(rand() * 256));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** One seed's world: 4 worker URLs as LB_WORKERS lists them (the 4th joins later) and the users. */
function world(seed: number) {
  const rand = random(seed * 7919 + 1);
  const ports = new Set<number>();
  while (ports.size < WORKERS + 1) ports.add(1024 + Math.floor(rand() * 64_000));
  const workers = [...ports].map((p) => `http://127.0.0.1:${p}`);
  const users = Array.from({ length: USERS }, () => uuid(rand));
  return { workers, users };
}

const ringOf = (workers: string[], vnodes: number) => {
  const ring = new HashRing(vnodes);
  for (const w of workers) ring.add(w);
  return ring;
};

/** HTTP routing as lb/src/balancer.ts does it: the first routable worker walking from the key. */
const route = (ring: HashRing, key: string, routable: (w: string) => boolean) => {
  for (const w of ring.walk(key)) if (routable(w)) return w;
  return undefined;
};

/** WebSocket placement as the balancer does it: users connect one by one, `pick` with live socket counts. */
function placeSockets(ring: HashRing, users: string[]) {
  const sockets = new Map(ring.workers.map((w) => [w, 0]));
  const placed = users.map((u) => {
    const w = ring.pick(u, { eligible: (x) => sockets.has(x), load: (x) => sockets.get(x)!, c: BOUND_C })!;
    sockets.set(w, sockets.get(w)! + 1);
    return w;
  });
  return { placed, loads: [...sockets.values()] };
}

/** Rendezvous (highest random weight) hashing, measured for comparison only: even shares by construction. */
function rendezvous(workers: string[]): (key: string) => string {
  const weights = workers.map((w) => murmur3(w));
  const mix = (h: number) => {
    // MurmurHash3's finalizer: spreads key hash ^ worker hash into an independent-looking score.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  return (key) => {
    const h = murmur3(key);
    let best = 0;
    let top = -1;
    for (let i = 0; i < weights.length; i++) {
      const score = mix(h ^ weights[i]!);
      if (score > top) {
        top = score;
        best = i;
      }
    }
    return workers[best]!;
  };
}

function measureRendezvous(seed: number) {
  const { workers, users } = world(seed);
  const homes = (ws: string[]) => users.map(rendezvous(ws));
  const h3 = homes(workers.slice(0, 3));
  return {
    balance: maxOverMean(workers.slice(0, 3).map((w) => h3.filter((x) => x === w).length)),
    addMoved: movedShare(h3, homes(workers)) / (1 / 4),
    removeMoved: movedShare(h3, homes(workers.slice(0, 2))) / (1 / 3),
  };
}

const maxOverMean = (loads: number[]) => Math.max(...loads) / (loads.reduce((a, b) => a + b, 0) / loads.length);
const movedShare = (a: Array<string | undefined>, b: Array<string | undefined>) => a.filter((w, i) => w !== b[i]).length / a.length;

/** HTTP routing (the ring alone) for one seed: users per worker, and keys moved ÷ the ideal share. */
function measureRouting(seed: number, vnodes: number) {
  const { workers, users } = world(seed);
  const homes = (ws: string[]) => {
    const ring = ringOf(ws, vnodes);
    return users.map((u) => route(ring, u, () => true));
  };
  const h3 = homes(workers.slice(0, 3));
  const loads = workers.slice(0, 3).map((w) => h3.filter((x) => x === w).length);
  // The ideal: 1/4 of keys move to a new 4th worker, 1/3 off a removed one.
  return {
    seed,
    loads,
    balance: maxOverMean(loads),
    addMoved: movedShare(h3, homes(workers)) / (1 / 4),
    removeMoved: movedShare(h3, homes(workers.slice(0, 2))) / (1 / 3),
  };
}

/** WebSocket placement (bounded loads) for one seed; moves as if every user reconnected after the change. */
function measureSockets(seed: number) {
  const { workers, users } = world(seed);
  const place = (ws: string[]) => placeSockets(ringOf(ws, DEFAULT_VNODES), users);
  const three = place(workers.slice(0, 3));
  return {
    loads: three.loads,
    balance: maxOverMean(three.loads),
    addMoved: movedShare(three.placed, place(workers).placed) / (1 / 4),
    removeMoved: movedShare(three.placed, place(workers.slice(0, 2)).placed) / (1 / 3),
  };
}

/**
 * Median ns per call of each function over `keys`: `trials` timed passes after a warm-up, taking the
 * functions in turn on every pass so that a neighbour's load drifting over time hits them alike.
 */
function nsPerCall<K extends string>(keys: string[], trials: number, fns: Record<K, (key: string) => unknown>): Record<K, number> {
  let sink = 0;
  const pass = (fn: (key: string) => unknown) => {
    const t = performance.now();
    for (const k of keys) if (fn(k) !== undefined) sink++;
    return ((performance.now() - t) * 1e6) / keys.length;
  };
  const names = Object.keys(fns) as K[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < trials + 3; i++) {
    for (const n of names) {
      const ns = pass(fns[n]);
      if (i >= 3) times[n].push(ns);
    }
  }
  if (sink < 0) console.log(sink);
  return Object.fromEntries(names.map((n) => [n, times[n].sort((a, b) => a - b)[Math.floor(trials / 2)]!])) as Record<K, number>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** One number over the seeds: its mean, its worst (highest) and best (lowest) value. */
const over = (xs: number[]) => ({ mean: r3(mean(xs)), worst: r3(Math.max(...xs)), best: r3(Math.min(...xs)) });

export const run: Bench = async ({ quick }) => {
  const seeds = Array.from({ length: quick ? 10 : 100 }, (_, s) => s);
  const routing = seeds.map((s) => measureRouting(s, DEFAULT_VNODES));
  const sockets = seeds.map(measureSockets);
  const http = over(routing.map((r) => r.balance));
  const ws = over(sockets.map((r) => r.balance));
  const add = over(routing.map((r) => r.addMoved));
  const remove = over(routing.map((r) => r.removeMoved));
  // A perfectly even split of the hash space still deals 10,000 users out unevenly: that floor.
  const even = over(
    seeds.map((s) => {
      const counts = [0, 0, 0];
      for (const u of world(s).users) counts[murmur3(u) % WORKERS]!++;
      return maxOverMean(counts);
    }),
  );
  // For the report's "why": the same seeds at other vnode counts (LB_VNODES), and rendezvous hashing.
  const sweep = [160, 500, 2000].map((vnodes) => {
    const rs = seeds.map((s) => measureRouting(s, vnodes));
    return { vnodes, balance: over(rs.map((r) => r.balance)), addMoved: over(rs.map((r) => r.addMoved)), removeMoved: over(rs.map((r) => r.removeMoved)) };
  });
  const hrw = seeds.map(measureRendezvous);

  const { workers, users } = world(0);
  const three = workers.slice(0, 3);
  const ring = ringOf(three, DEFAULT_VNODES);
  const open = new Map(three.map((w) => [w, USERS / WORKERS]));
  const trials = quick ? 5 : 21;
  const ns = nsPerCall(users, trials, {
    modulo: (k) => three[murmur3(k) % three.length],
    route: (k) => route(ring, k, (w) => open.has(w)),
    pick: (k) => ring.pick(k, { eligible: (w) => open.has(w), load: (w) => open.get(w)!, c: BOUND_C }),
    rendezvous: rendezvous(three),
  });

  const balanceGoal = { value: { op: "<=" as const, value: 1.05 }, text: "≤ 1.05" };
  const movedGoal = { value: { op: "<=" as const, value: 1.1 }, text: "≤ 1.10 × ideal" };
  const spread = (xs: number[], o: ReturnType<typeof over>) =>
    `seeds range ${o.best}–${o.worst} × ideal; ${xs.filter((x) => x >= 0.9 && x <= 1.1).length} of ${xs.length} seeds within 0.9–1.1; mean ${o.mean >= 0.9 ? "≥" : "<"} 0.9`;
  const balance = (id: string, label: string, ours: number, note?: string) =>
    figure({ id, label, unit: "×", better: "lower", ours, baseline: null, goal: balanceGoal, ...(note ? { note } : {}) });
  const moved = (id: string, label: string, ours: number, note?: string) =>
    figure({ id, label, unit: "×", better: "lower", ours, baseline: null, goal: movedGoal, ...(note ? { note } : {}) });
  const figures: Figure[] = [
    balance(
      "ring.http.maxmean",
      "HTTP routing: busiest worker ÷ mean, mean of seeds",
      http.mean,
      `a perfectly even hash space with the same users gives ${even.mean} mean, ${even.worst} worst`,
    ),
    balance("ring.http.maxmean.worst", "HTTP routing: busiest worker ÷ mean, worst seed", http.worst),
    balance("ring.sockets.maxmean", `WebSockets (pick, c = ${BOUND_C}): busiest ÷ mean, mean of seeds`, ws.mean),
    balance("ring.sockets.maxmean.worst", `WebSockets (pick, c = ${BOUND_C}): busiest ÷ mean, worst seed`, ws.worst),
    moved(
      "ring.moved.add",
      "keys moved 3 → 4 ÷ ideal (1/4), mean of seeds",
      add.mean,
      spread(
        routing.map((r) => r.addMoved),
        add,
      ),
    ),
    moved("ring.moved.add.worst", "keys moved 3 → 4 ÷ ideal, worst seed", add.worst),
    moved(
      "ring.moved.remove",
      "keys moved 3 → 2 ÷ ideal (1/3), mean of seeds",
      remove.mean,
      spread(
        routing.map((r) => r.removeMoved),
        remove,
      ),
    ),
    moved("ring.moved.remove.worst", "keys moved 3 → 2 ÷ ideal, worst seed", remove.worst),
    figure({
      id: "ring.lookup.http",
      label: "HTTP route lookup (walk, first routable)",
      unit: "ns",
      better: "lower",
      ours: ns.route,
      baseline: ns.modulo,
      baselineLabel: "murmur3 % n",
    }),
    figure({
      id: "ring.lookup.pick",
      label: "WebSocket lookup (pick with loads)",
      unit: "ns",
      better: "lower",
      ours: ns.pick,
      baseline: ns.modulo,
      baselineLabel: "murmur3 % n",
    }),
  ];

  const median = seeds.map((s) => ({ routing: routing[s]!, sockets: sockets[s]! })).sort((a, b) => a.routing.balance - b.routing.balance)[
    Math.floor(seeds.length / 2)
  ]!;
  const edges = [1, 1.02, 1.04, 1.06, 1.08, 1.1, 1.15, Infinity];
  const histogram = (xs: number[]) => edges.slice(0, -1).map((lo, i) => xs.filter((x) => x >= lo && x < edges[i + 1]!).length);
  const charts: BarChart[] = [
    {
      title: `Users per worker, median seed (${USERS.toLocaleString("en")} users, ${DEFAULT_VNODES} vnodes)`,
      unit: "users",
      labels: ["worker 1", "worker 2", "worker 3"],
      series: [
        { name: "HTTP routing", values: median.routing.loads },
        { name: `WebSockets (c = ${BOUND_C})`, values: median.sockets.loads },
        { name: "even split", values: [1, 2, 3].map(() => Math.round(USERS / WORKERS)) },
      ],
    },
    {
      title: `Busiest worker ÷ mean over ${seeds.length} seeds`,
      unit: "seeds",
      labels: ["1–1.02", "1.02–1.04", "1.04–1.06", "1.06–1.08", "1.08–1.10", "1.10–1.15", "≥ 1.15"],
      series: [
        { name: `ring, ${DEFAULT_VNODES} vnodes`, values: histogram(routing.map((r) => r.balance)) },
        { name: "rendezvous hashing", values: histogram(hrw.map((r) => r.balance)) },
      ],
    },
  ];

  return {
    id: "ring",
    title: "Consistent-hash ring: balance, movement, lookup cost",
    method:
      `${seeds.length} seeds × ${WORKERS} workers × ${USERS.toLocaleString("en")} users, ${DEFAULT_VNODES} vnodes; a seed draws the worker URLs (so the vnode positions) and the user ids (v4 UUIDs). ` +
      `HTTP routing is the first routable worker walking the ring; WebSocket placement is \`pick\` with live socket counts and c = ${BOUND_C}, users connecting one by one. ` +
      `Moved keys compare each user's home before and after adding a 4th worker or removing one. Lookups are timed in process, median of ${trials} interleaved passes over 10,000 keys.`,
    figures,
    charts,
    details: {
      vnodes: DEFAULT_VNODES,
      boundC: BOUND_C,
      http,
      sockets: {
        balance: ws,
        addMovedIfAllReconnect: over(sockets.map((r) => r.addMoved)),
        removeMovedIfAllReconnect: over(sockets.map((r) => r.removeMoved)),
      },
      evenHashSpace: even,
      vnodeSweep: sweep,
      rendezvousForComparison: {
        balance: over(hrw.map((r) => r.balance)),
        addMoved: over(hrw.map((r) => r.addMoved)),
        removeMoved: over(hrw.map((r) => r.removeMoved)),
        nsPerLookup: r3(ns.rendezvous),
      },
      perSeed: seeds.map((s) => ({
        seed: s,
        loads: routing[s]!.loads,
        socketLoads: sockets[s]!.loads,
        addMoved: r3(routing[s]!.addMoved),
        removeMoved: r3(routing[s]!.removeMoved),
      })),
    },
  };
};
