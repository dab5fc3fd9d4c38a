import { createMigratedDatabase } from "../../test/support/services.ts";
import { appendBatchContract } from "./append-batch.contract.ts";

appendBatchContract("PostgreSQL", async () => {
  const database = await createMigratedDatabase();
  return {
    db: database.connection.db,
    cleanup: database.drop,
  };
});
