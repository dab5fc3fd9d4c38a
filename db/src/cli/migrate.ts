import { join } from "node:path";
import { connectPglite, connectPostgres } from "../node.ts";

/** `npm run migrate`: applies migrations to DATABASE_URL, or to the embedded database under DATA_DIR. */
const url = process.env.DATABASE_URL;
// Two connections: migrate() holds one for the advisory lock while the migrator runs on the other.
const connection = url ? connectPostgres(url, { max: 2 }) : await connectPglite(join(process.env.DATA_DIR ?? "./data", "pglite"));
try {
  await connection.migrate();
  console.log(`migrations applied (${connection.kind})`);
} finally {
  await connection.close();
}
