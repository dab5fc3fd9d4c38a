/**
 * How long migration 0004 (messages partitioned by room) takes on this machine's PostgreSQL:
 * `node --import tsx bench/migration-upgrade.ts [messages]` (default 1,000,000) builds a database at
 * the previous schema (0003) with that many messages over 1,000 rooms, runs the upgrade, and prints
 * its time per million rows (docs/operations.md quotes it). A one-off measure, not a section of
 * `npm run bench`: an upgrade runs once per deployment.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { connectPostgres } from "@parley/db/node";
import { migrationsUpTo, UNPARTITIONED_SCHEMA } from "../test/support/old-schema.ts";
import { createTestDatabase } from "../test/support/services.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const ROOMS = 1000;
const USERS = 200;
const database = await createTestDatabase();
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
const old = migrationsUpTo(UNPARTITIONED_SCHEMA);
try {
  await migrate(drizzle(sql), { migrationsFolder: old.folder });
  const perRoom = Math.ceil(total / ROOMS);
  await sql`insert into users (id, username, username_key, password_hash) select gen_random_uuid(), 'u' || g, 'u' || g, 'h' from generate_series(1, ${USERS}::int) g`;
  await sql`insert into rooms (id, name, name_key, created_by, last_seq)
    select gen_random_uuid(), 'room ' || g, 'room ' || g, (select id from users limit 1), ${perRoom}::bigint from generate_series(1, ${ROOMS}::int) g`;
  // Every user in every fifth room: 40,000 memberships.
  await sql`insert into memberships (room_id, user_id) select r.id, u.id from rooms r, users u where hashtext(r.id::text || u.id::text) % 5 = 0`;
  const filled = performance.now();
  await sql`insert into messages (id, room_id, seq, user_id, body, client_id, created_at)
    select gen_random_uuid(), r.id, g, (select id from users limit 1), 'an ordinary chat message, about sixty characters long ' || g, 'c-' || g, now()
    from rooms r, generate_series(1, ${perRoom}::int) g`;
  await sql`vacuum analyze messages`;
  const rows = (await sql<{ n: number }[]>`select count(*)::int as n from messages`)[0]!.n;
  const { size } = (await sql<{ size: string }[]>`select pg_size_pretty(pg_total_relation_size('messages')) as size`)[0]!;
  process.stderr.write(`filled ${rows} messages (${size} with indexes) in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`);
  const connection = connectPostgres(database.url, { max: 1 });
  const started = performance.now();
  await connection.migrate();
  const seconds = (performance.now() - started) / 1000;
  await connection.close();
  console.log(`migration 0004: ${rows} messages in ${seconds.toFixed(1)} s, ${((seconds * 1_000_000) / rows).toFixed(1)} s per million rows`);
} finally {
  old.remove();
  await sql.end();
  await database.drop();
}
