/**
 * What a search costs next to a plain indexed lookup: a PostgreSQL database is filled with MESSAGES
 * messages (1M; 20k with BENCH_QUICK) in ROOMS rooms by one INSERT … SELECT generate_series per
 * chunk, each body drawn from the chat corpus (test/support/chat-corpus.ts) with the GIN index in
 * place, as it is kept in production. A reader who is a member of MEMBER_ROOMS of the rooms then
 * alternates searches (a common word, two words, a phrase, a rare word, a word with `from:`) and
 * history pages by (room_id, seq), both through the Store, one at a time.
 */
import { parseSearchQuery, type SearchQuery } from "@parley/protocol";
import { sql } from "drizzle-orm";
import { createDrizzleStore } from "../db/src/store.ts";
import { chatCorpus } from "../test/support/chat-corpus.ts";
import { createMigratedDatabase } from "../test/support/services.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, type Bench } from "./lib/report.ts";

const ROOMS = 100;
const MEMBER_ROOMS = 10;
const AUTHORS = 8;
const PAGE = 20;
const CHUNK = 100_000;

/** The searches, from the corpus's own words: broad to narrow. */
const QUERIES = ["build", "review design", '"the build is red"', "ramen", "deployed from:author1"];

const parsed = (q: string): SearchQuery => {
  const result = parseSearchQuery(q);
  if (!result.ok) throw new Error(result.message);
  return result.query;
};

export const run: Bench = async ({ quick, clientCpus }) => {
  pinSelf(clientCpus);
  const total = quick ? 20_000 : 1_000_000;
  const rounds = quick ? 40 : 200;
  const database = await createMigratedDatabase();
  try {
    const { db } = database.connection;
    const store = createDrizzleStore(db);
    const authors = await Promise.all(
      Array.from({ length: AUTHORS }, (_, i) => store.createUser({ id: crypto.randomUUID(), username: `author${i}`, passwordHash: "x" })),
    );
    const reader = (await store.createUser({ id: crypto.randomUUID(), username: "reader", passwordHash: "x" }))!;
    const rooms: string[] = [];
    for (let i = 0; i < ROOMS; i++) {
      const room = await store.createRoom({ id: crypto.randomUUID(), name: `room-${i}`, topic: "", createdBy: authors[0]!.id, createdAt: new Date() });
      rooms.push(room!.id);
      if (i < MEMBER_ROOMS) await store.join(room!.id, reader.id);
    }
    const bodies = JSON.stringify(chatCorpus(5000).map((m) => m.body));
    const ids = (list: Array<{ id: string } | null>) => `{${list.map((x) => x!.id).join(",")}}`;
    const fillStarted = performance.now();
    // Message i lands in room i % ROOMS at seq i / ROOMS + 1, a minute after message i - 1.
    for (let from = 0; from < total; from += CHUNK) {
      await db.execute(sql`
        with corpus as (select array_agg(b) as bodies from json_array_elements_text(${bodies}::json) as t(b))
        insert into messages (id, room_id, seq, user_id, body, created_at)
        select gen_random_uuid(), (${ids(rooms.map((id) => ({ id })))}::uuid[])[1 + i % ${ROOMS}], i / ${ROOMS} + 1,
          (${ids(authors)}::uuid[])[1 + (i * 7 + i / 3) % ${AUTHORS}],
          corpus.bodies[1 + (hashint4(i) & 2147483647) % array_length(corpus.bodies, 1)],
          timestamptz '2025-01-01' + make_interval(mins => i)
        from corpus, generate_series(${from}::int, ${Math.min(total, from + CHUNK) - 1}::int) as i`);
    }
    await db.execute(sql`update room_seq set last_seq = (select coalesce(max(seq), 0) from messages m where m.room_id = room_seq.room_id)`);
    await db.execute(sql`vacuum analyze messages`);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const lastSeq = Math.floor(total / ROOMS);

    const searchMs: Record<string, number[]> = Object.fromEntries(QUERIES.map((q) => [q, []]));
    const lookupMs: number[] = [];
    const hits: Record<string, number> = {};
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    for (let r = -2; r < rounds; r++) {
      for (const q of QUERIES) {
        const room = rooms[(r + QUERIES.length) % MEMBER_ROOMS]!;
        const beforeSeq = 1 + Math.floor(Math.random() * lastSeq);
        const searched = await time(async () => {
          const page = await store.search(reader.id, { query: parsed(q) }, { limit: PAGE });
          hits[q] = page!.results.length;
        });
        const looked = await time(() => store.history(room, { beforeSeq, limit: PAGE }));
        // The first two rounds warm the caches and are not counted.
        if (r < 0) continue;
        searchMs[q]!.push(searched);
        lookupMs.push(looked);
      }
    }
    const all = Object.values(searchMs).flat();
    const [search, lookup] = [latency(all), latency(lookupMs)];
    const versus = (p: "p50" | "p99") =>
      figure({
        id: `search.${p}`,
        label: `search page of ${PAGE}, ${p}, vs a history page`,
        unit: "ms",
        better: "lower",
        ours: search[p],
        baseline: lookup[p],
        baselineLabel: "history page by (room_id, seq)",
      });
    return {
      id: "search",
      title: "Full-text search over the message log, next to a plain indexed lookup",
      method: `${total.toLocaleString("en")} messages in ${ROOMS} rooms (bodies from the chat corpus, filled by INSERT … SELECT generate_series with the GIN index in place), a reader in ${MEMBER_ROOMS} of the rooms; ${rounds} rounds of ${QUERIES.length} searches (${QUERIES.join(", ")}) through the Store, each followed by a history page of ${PAGE} below a random seq of one of the reader's rooms, one request at a time.`,
      figures: [versus("p50"), versus("p99")],
      details: {
        messages: total,
        fillSeconds,
        lookup,
        queries: Object.fromEntries(QUERIES.map((q) => [q, { ...latency(searchMs[q]!), results: hits[q] }])),
      },
    };
  } finally {
    await database.drop();
  }
};
