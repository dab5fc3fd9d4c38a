import { appendBatchContract } from "./append-batch.contract.ts";
import { connectPglite } from "./node.ts";

appendBatchContract("PGlite in memory", async () => {
  const connection = await connectPglite("memory://");
  await connection.migrate();
  return { db: connection.db, cleanup: () => connection.close() };
});
