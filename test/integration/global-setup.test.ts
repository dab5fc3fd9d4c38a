import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { ADMIN_DATABASE_URL, TEST_REDIS_URL } from "../support/services.ts";
import { ensureTestServices } from "../support/global-setup.ts";
import { freePort } from "../support/worker-process.ts";

/** The test run's global setup: `npm test` on a machine with PostgreSQL and Redis but no `test` database. */

const withDatabase = (name: string) => Object.assign(new URL(ADMIN_DATABASE_URL), { pathname: `/${name}` }).href;

async function databaseExists(name: string): Promise<boolean> {
  const sql = postgres(withDatabase("postgres"), { max: 1, onnotice: () => {} });
  try {
    return (await sql`select 1 from pg_database where datname = ${name}`).length > 0;
  } finally {
    await sql.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const sql = postgres(withDatabase("postgres"), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop database if exists "${name}" with (force)`);
  await sql.end();
}

describe("the tests' global setup", () => {
  it("creates the database TEST_DATABASE_URL names when it is missing, and leaves it when it exists", async () => {
    const name = `parley_setup_${randomBytes(5).toString("hex")}`;
    try {
      expect(await databaseExists(name)).toBe(false);
      await ensureTestServices(withDatabase(name), TEST_REDIS_URL);
      expect(await databaseExists(name)).toBe(true);
      await ensureTestServices(withDatabase(name), TEST_REDIS_URL);
      expect(await databaseExists(name)).toBe(true);
    } finally {
      await dropDatabase(name);
    }
  });

  it("fails fast, naming PostgreSQL and what to do, when PostgreSQL is unreachable", async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
    const started = Date.now();
    await expect(ensureTestServices(url, TEST_REDIS_URL)).rejects.toThrow(/The tests need PostgreSQL at 127\.0\.0\.1:\d+ .*ECONNREFUSED.*Start PostgreSQL/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fails fast, naming Redis and what to do, when Redis is unreachable", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(ensureTestServices(ADMIN_DATABASE_URL, url)).rejects.toThrow(/The tests need Redis at 127\.0\.0\.1:\d+ .*ECONNREFUSED.*Start redis-server/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
