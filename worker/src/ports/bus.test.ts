import { busContract } from "./bus.contract.ts";
import { MemoryBusNetwork } from "./bus.ts";

busContract("MemoryBusNetwork", async () => {
  const network = new MemoryBusNetwork();
  const a = network.node();
  const b = network.node();
  return {
    a,
    b,
    async cleanup() {
      await a.close();
      await b.close();
    },
  };
});
