import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { assertSafeKey, type FileStorage, type StoredFile } from "../ports/file-storage.ts";

/**
 * Files on local disk under one directory (DATA_DIR/uploads): the embedded default. Every worker of
 * a deployment must see the same directory (a shared volume), or use S3 (docs/operations.md).
 */
export class DiskFileStorage implements FileStorage {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    await (this.ready ??= mkdir(this.dir, { recursive: true }));
    // Written beside the file and renamed over it: a reader sees the old file or the new one, never a part.
    const temp = `${path}.${crypto.randomUUID()}.partial`;
    try {
      await writeFile(temp, bytes);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<StoredFile | null> {
    const path = this.path(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    return { body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, size };
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.dir, key);
  }
}
