import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAll, type FileStorage } from "./file-storage.ts";

/** A storage to test, and how to tear it down. */
export interface FileStorageFixture {
  storage: FileStorage;
  cleanup(): Promise<void>;
}

/** The FileStorage contract: one suite, run against every adapter (memory, local disk, S3). */
export function fileStorageContract(name: string, make: () => Promise<FileStorageFixture>) {
  describe(`FileStorage contract: ${name}`, () => {
    let fixture: FileStorageFixture;
    let storage: FileStorage;
    const key = () => crypto.randomUUID();
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256);

    beforeAll(async () => {
      fixture = await make();
      storage = fixture.storage;
    });
    afterAll(() => fixture?.cleanup());

    it("answers the bytes it stored, with their size", async () => {
      const k = key();
      const data = bytes(70_000);
      await storage.put(k, data, "application/octet-stream");
      const file = await storage.get(k);
      expect(file?.size).toBe(70_000);
      expect(Buffer.from(await readAll(file!)).equals(Buffer.from(data))).toBe(true);
    });

    it("stores an empty file", async () => {
      const k = key();
      await storage.put(k, new Uint8Array(0), "text/plain");
      const file = await storage.get(k);
      expect(file?.size).toBe(0);
      expect((await readAll(file!)).byteLength).toBe(0);
    });

    it("answers null for a key with nothing stored", async () => {
      expect(await storage.get(key())).toBeNull();
    });

    it("replaces a file put again under its key", async () => {
      const k = key();
      await storage.put(k, bytes(10), "application/octet-stream");
      await storage.put(k, Uint8Array.of(1, 2, 3), "application/octet-stream");
      expect([...(await readAll((await storage.get(k))!))]).toEqual([1, 2, 3]);
    });

    it("deletes, and deleting again (or what was never there) is fine", async () => {
      const k = key();
      await storage.put(k, bytes(5), "application/octet-stream");
      await storage.delete(k);
      expect(await storage.get(k)).toBeNull();
      await expect(storage.delete(k)).resolves.toBeUndefined();
      await expect(storage.delete(key())).resolves.toBeUndefined();
    });

    it("refuses keys that are not plain names", async () => {
      for (const bad of ["../escape", "a/b", "..", ".hidden", "", "a\\b", "x\u0000y"]) {
        await expect(storage.put(bad, bytes(1), "text/plain"), bad).rejects.toThrow(/unsafe/);
        await expect(storage.get(bad), bad).rejects.toThrow(/unsafe/);
        await expect(storage.delete(bad), bad).rejects.toThrow(/unsafe/);
      }
    });
  });
}
