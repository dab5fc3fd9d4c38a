import { createTestDatabase } from "../../test/support/services.ts";
import { appendBatchContract } from "./append-batch.contract.ts";
import { connectPostgres } from "./node.ts";

appendBatchContract("PostgreSQL", async () => {
  const database = await createTestDatabase();
  const connection = connectPostgres(database.url);
  try {
    await connection.migrate();
  } catch (error) {
    await connection.close();
    await database.drop();
    throw error;
  }
  return {
    db: connection.db,
    async cleanup() {
      await connection.close();
      await database.drop();
    },
  };
});
