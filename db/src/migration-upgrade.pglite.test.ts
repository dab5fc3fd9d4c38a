import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { migrationUpgradeContract } from "./migration-upgrade.contract.ts";
import { connectPglite } from "./node.ts";

migrationUpgradeContract("PGlite in memory", async () => {
  const connection = await connectPglite("memory://");
  return {
    connection,
    migrateWith: (folder) => migrate(connection.db as unknown as PgliteDatabase, { migrationsFolder: folder }),
    cleanup: () => connection.close(),
  };
});
