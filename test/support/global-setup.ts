import { Redis } from "ioredis";
import { ensureDatabase } from "@parley/db/node";

/**
 * Vitest's globalSetup for the server tests: creates the `test` database when it is missing, and
 * stops the run at once with a plain message when PostgreSQL or Redis cannot be reached (instead
 * of hundreds of tests timing out one by one).
 */
export default async function setup(): Promise<void> {
  await ensureTestServices(process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test", process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
}

/** Checks both services the tests need; creates the database `databaseUrl` names when missing. */
export async function ensureTestServices(databaseUrl: string, redisUrl: string): Promise<void> {
  const pg = new URL(databaseUrl);
  try {
    if (await ensureDatabase(databaseUrl)) console.error(`created the test database "${pg.pathname.slice(1)}" on ${pg.host}`);
  } catch (error) {
    throw new Error(
      `The tests need PostgreSQL at ${pg.host} (TEST_DATABASE_URL, user ${pg.username || "postgres"}, trust auth), and it failed: ${reason(error)}. ` +
        "Start PostgreSQL (bash .ci/run installs and starts it) or point TEST_DATABASE_URL at one.",
      { cause: error },
    );
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause: unknown; // ioredis rejects with "Connection is closed"; the reason comes as an event
  redis.on("error", (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `The tests need Redis at ${new URL(redisUrl).host} (TEST_REDIS_URL), and it failed: ${reason(cause ?? error)}. Start redis-server (bash .ci/run does) or point TEST_REDIS_URL at one.`,
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
}

const reason = (error: unknown) => {
  const e = error as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  return (e.code ?? e.errors?.[0]?.code ?? e.message ?? String(error)).replace(/\.$/, "");
};
