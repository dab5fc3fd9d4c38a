import { connectPglite } from "./node.ts";
import { storeContract } from "./store.contract.ts";
import { createDrizzleStore } from "./store.ts";

storeContract("PGlite in memory", async () => {
  const connection = await connectPglite("memory://");
  await connection.migrate();
  return { store: createDrizzleStore(connection.db), cleanup: () => connection.close() };
});
