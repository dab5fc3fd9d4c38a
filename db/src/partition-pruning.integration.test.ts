import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { User } from "@parley/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedDatabase } from "../../test/support/services.ts";
import * as schema from "./schema/index.ts";
import { createDrizzleStore, type Database, type Store } from "./store.ts";

type Statement = { query: string; params: unknown[] };
type PlanNode = { "Relation Name"?: string; "Subplans Removed"?: number; Plans?: PlanNode[] };
type Explained = { Plan: PlanNode; Triggers?: Array<{ Relation: string }> };

/** Every relation a plan reads or writes, and every relation whose triggers fired (the FK checks on the row inserted). */
function relations(explained: Explained): string[] {
  const names: string[] = (explained.Triggers ?? []).map((t) => t.Relation);
  const walk = (node: PlanNode) => {
    if (node["Relation Name"]) names.push(node["Relation Name"]);
    node.Plans?.forEach(walk);
  };
  walk(explained.Plan);
  return names;
}
const partitionsIn = (explained: Explained) => [...new Set(relations(explained).filter((name) => /^messages_p\d+$/.test(name)))];
const subplansRemoved = (node: PlanNode): number => (node["Subplans Removed"] ?? 0) + (node.Plans ?? []).reduce((sum, p) => sum + subplansRemoved(p), 0);

/**
 * The send statement and the history page, exactly as the Store sends them (captured from drizzle's
 * logger, parameters included), each touch one partition of `messages`. They are PREPAREd and
 * EXPLAIN ANALYZEd under each plan cache mode: a custom plan prunes when planning, a generic plan
 * (what a prepared statement may switch to after five runs) prunes when the executor starts, and
 * shows the others as "Subplans Removed".
 */
describe("partition pruning on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
  let client: postgres.Sql;
  let store: Store;
  let captured: Statement[] = [];
  let roomId: string;
  let alice: User;
  let home: string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    client = postgres(database.url, { max: 1, onnotice: () => {} });
    const logger = { logQuery: (query: string, params: unknown[]) => void captured.push({ query, params }) };
    store = createDrizzleStore(drizzle(client, { schema, logger }) as unknown as Database);
    alice = (await store.createUser({ id: crypto.randomUUID(), username: "alice", passwordHash: "h" }))!;
    roomId = (await store.createRoom({ id: crypto.randomUUID(), name: "pruned", topic: "", createdBy: alice.id, createdAt: new Date() }))!.id;
    for (let i = 1; i <= 30; i++)
      await store.appendMessage({ id: crypto.randomUUID(), roomId, user: alice, body: `m${i}`, clientId: `c${i}`, createdAt: new Date() });
    const partitions = await client<{ home: string }[]>`select distinct tableoid::regclass::text as home from messages where room_id = ${roomId}`;
    expect(partitions).toHaveLength(1);
    home = partitions[0]!.home;
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  /** The statement the Store sent for `call` that starts like `prefix`. */
  const capture = async (call: () => Promise<unknown>, prefix: RegExp): Promise<Statement> => {
    captured = [];
    await call();
    const statement = captured.find((s) => prefix.test(s.query.trim()));
    if (!statement) throw new Error(`no statement like ${prefix} among ${captured.map((s) => s.query).join("; ")}`);
    return statement;
  };

  /** EXPLAIN (ANALYZE) of the prepared statement under `mode`, in a transaction rolled back so a send stores nothing. */
  const explain = async (statement: Statement, mode: "force_custom_plan" | "force_generic_plan"): Promise<Explained> => {
    // EXECUTE cannot take bind parameters of unknown type: the app's values go in as literals, typed by the PREPARE.
    const literal = (value: unknown) => (typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`);
    const args = statement.params.map(literal).join(", ");
    await client.unsafe(`prepare stmt as ${statement.query}`);
    try {
      await client.unsafe("begin");
      await client.unsafe(`set local plan_cache_mode = ${mode}`);
      const [row] = await client.unsafe(`explain (analyze, format json) execute stmt(${args})`);
      return (row!["QUERY PLAN"] as Explained[])[0]!;
    } finally {
      await client.unsafe("rollback");
      await client.unsafe("deallocate stmt");
    }
  };

  /** A send, then undone, so the captured statement can run again just as it first did. */
  const send = async () => {
    const { message } = await store.appendMessage({
      id: crypto.randomUUID(),
      roomId,
      user: alice,
      body: "probe",
      clientId: crypto.randomUUID(),
      createdAt: new Date(),
    });
    await client`delete from messages where room_id = ${roomId} and id = ${message.id}`;
    await client`update room_seq set last_seq = last_seq - 1 where room_id = ${roomId}`;
  };
  const page = () => store.history(roomId, { beforeSeq: 20, limit: 5 });

  for (const mode of ["force_custom_plan", "force_generic_plan"] as const) {
    it(`the send statement writes to the room's partition only (${mode})`, async () => {
      const statement = await capture(send, /^with next as/);
      const explained = await explain(statement, mode);
      expect(relations(explained)).toContain("room_seq");
      expect(partitionsIn(explained)).toEqual([home]);
    });

    it(`the history page reads the room's partition only (${mode})`, async () => {
      const statement = await capture(page, /^select/);
      const explained = await explain(statement, mode);
      expect(partitionsIn(explained)).toEqual([home]);
      // Pruned while planning, the other partitions are not in the plan at all; pruned at executor start, they are counted.
      expect(subplansRemoved(explained.Plan)).toBe(mode === "force_generic_plan" ? 31 : 0);
    });
  }
});
