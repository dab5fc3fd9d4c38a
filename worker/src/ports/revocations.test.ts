import { systemClock } from "@parley/common";
import { revocationsContract } from "./revocations.contract.ts";
import { MemoryRevocations } from "./revocations.ts";

revocationsContract("MemoryRevocations", async () => {
  const store = new MemoryRevocations(systemClock);
  return { stores: [store, store], cleanup: async () => {} };
});
