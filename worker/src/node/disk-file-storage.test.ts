import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { fileStorageContract } from "../ports/file-storage.contract.ts";
import type { FileStorage } from "../ports/file-storage.ts";
import { DiskFileStorage } from "./disk-file-storage.ts";

fileStorageContract("DiskFileStorage", async () => {
  const dir = await mkdtemp(join(tmpdir(), "parley-files-"));
  return { storage: new DiskFileStorage(join(dir, "uploads")), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

it("leaves no temporary file behind and writes nothing outside its directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "parley-files-"));
  try {
    const storage: FileStorage = new DiskFileStorage(join(dir, "uploads"));
    await storage.put("a", Uint8Array.of(1), "text/plain");
    await storage.put("a", Uint8Array.of(2), "text/plain");
    await expect(storage.put("../outside", Uint8Array.of(3), "text/plain")).rejects.toThrow(/unsafe/);
    expect(await readdir(dir)).toEqual(["uploads"]);
    expect(await readdir(join(dir, "uploads"))).toEqual(["a"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
