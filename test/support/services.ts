import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connectPostgres, type Connection } from "@parley/db/node";

/** The machine's PostgreSQL (trust auth); tests create their own databases on it. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const suffix = () => randomBytes(5).toString("hex");

/** A fresh, empty database for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_test_${suffix()}`;
  const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * A fresh database with Parley's schema and an open connection to it; `drop()` closes the
 * connection and removes the database. (workerd has no filesystem for the migrator, so tests of
 * `wrangler dev` migrate from Node first, as `npm run dev:workers` does.)
 */
export async function createMigratedDatabase(): Promise<{ url: string; connection: Connection; drop(): Promise<void> }> {
  const database = await createTestDatabase();
  const connection = connectPostgres(database.url, { max: 4 });
  const drop = async () => {
    await connection.close();
    await database.drop();
  };
  try {
    await connection.migrate();
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: database.url, connection, drop };
}

/** A Redis key prefix no other test run uses. */
export const testRedisPrefix = () => `parley-test-${suffix()}`;

/** A random name that fits the username and room name rules. */
export const uniqueName = (base = "u") => `${base}_${suffix()}`;

/** A 48-byte secret shared by the worker processes of one test. */
export const testSecret = () => randomBytes(48).toString("base64url");

/** Deletes every Redis key under a test prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}
