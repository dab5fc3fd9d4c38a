import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPglite, type Connection } from "@parley/db/node";
import { loggableError, statementName } from "./loggable-error.ts";

const SECRET = "hunter2-message-body";
let connection: Connection;
beforeAll(async () => {
  connection = await connectPglite("memory://");
  await connection.migrate();
});
afterAll(() => connection.close());

/** The error a failed drizzle query really throws. */
async function failure(query: ReturnType<typeof sql>): Promise<unknown> {
  return connection.db.execute(query).then(
    () => expect.unreachable("the query should fail"),
    (error: unknown) => error,
  );
}

/** One log line through pino with the worker's serializer, as it would be written. */
function logged(err: unknown): string {
  let line = "";
  const sink = new Writable({ write: (chunk, _enc, done) => ((line += String(chunk)), done()) });
  pino({ serializers: { err: loggableError } }, sink).error({ err }, "query failed");
  return line;
}

describe("loggable errors", () => {
  it("keep a failed query's parameters out of the log line", async () => {
    const id = crypto.randomUUID();
    await connection.db.execute(sql`insert into users (id, username, username_key, password_hash) values (${id}, ${"dup-user"}, ${"dup-user"}, ${SECRET})`);
    const duplicate = await failure(sql`insert into users (id, username, username_key, password_hash) values (${id}, ${"dup-user"}, ${"dup-user"}, ${SECRET})`);
    expect(String((duplicate as Error).message)).toContain(SECRET); // what pino's default serializer would write
    const line = logged(duplicate);
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line).err).toMatchObject({ code: "23505", statement: "insert into users", message: expect.stringContaining("unique") });
  });

  it("drop PostgreSQL's message when it quotes the value (data exceptions)", async () => {
    const line = logged(await failure(sql`select ${SECRET}::int`));
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line).err).toMatchObject({ code: "22P02", statement: "select" });
  });

  it("keep other errors as they were, stack included", () => {
    const err = JSON.parse(logged(Object.assign(new Error("boom"), { code: "ECONNRESET" }))).err;
    expect(err).toMatchObject({ type: "Error", message: "boom", code: "ECONNRESET", stack: expect.stringContaining("boom") });
  });

  it("name a statement by its verb and table", () => {
    expect(statementName('update "rooms" set "last_seq" = $1 where "id" = $2')).toBe("update rooms");
    expect(statementName('select "id" from "messages" where "room_id" = $1')).toBe("select from messages");
  });
});
