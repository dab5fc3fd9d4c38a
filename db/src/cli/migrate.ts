import { join } from "node:path";
import { connectPglite, connectPostgres } from "../node.ts";

/**
 * `npm run migrate`: applies migrations to DATABASE_URL, or to the embedded database under DATA_DIR.
 * MESSAGE_PARTITIONS (16–64) sets how many hash partitions `messages` gets when migration 0004 runs.
 */
const url = process.env.DATABASE_URL;
const partitions = process.env.MESSAGE_PARTITIONS;
const connection = url ? connectPostgres(url, { max: 1 }) : await connectPglite(join(process.env.DATA_DIR ?? "./data", "pglite"));
try {
  await connection.migrate(partitions ? { messagePartitions: Number(partitions) } : {});
  console.log(`migrations applied (${connection.kind})`);
} finally {
  await connection.close();
}
