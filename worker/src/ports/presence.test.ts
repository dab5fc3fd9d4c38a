import { presenceContract } from "./presence.contract.ts";
import { MemoryPresence } from "./presence.ts";

presenceContract("MemoryPresence", async () => {
  const presence = new MemoryPresence();
  return { presence, cleanup: () => presence.close() };
});
