import { fileStorageContract } from "./file-storage.contract.ts";
import { MemoryFileStorage } from "./file-storage.ts";

fileStorageContract("MemoryFileStorage", async () => ({ storage: new MemoryFileStorage(), cleanup: async () => {} }));
