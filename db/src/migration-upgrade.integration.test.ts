import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { createTestDatabase } from "../../test/support/services.ts";
import { migrationUpgradeContract } from "./migration-upgrade.contract.ts";
import { connectPostgres } from "./node.ts";

// 16 partitions here (PGlite takes the default 32), so the setting is seen to take effect.
migrationUpgradeContract(
  "PostgreSQL",
  async () => {
    const database = await createTestDatabase();
    const connection = connectPostgres(database.url, { max: 2 });
    return {
      connection,
      async migrateWith(folder) {
        const client = postgres(database.url, { max: 1, onnotice: () => {} });
        await migrate(drizzle(client), { migrationsFolder: folder }).finally(() => client.end());
      },
      async cleanup() {
        await connection.close();
        await database.drop();
      },
    };
  },
  16,
);
