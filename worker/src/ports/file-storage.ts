/** A stored file's bytes: a stream (read as it goes) or bytes in memory, and how many there are. */
export interface StoredFile {
  body: ReadableStream<Uint8Array> | Uint8Array;
  size: number;
}

/**
 * Where uploaded files' bytes live, by key (an upload's id): local disk for one machine or a shared
 * volume, S3-compatible storage for anything else. Keys are safe names (letters, digits, `-`, `_`, `.`,
 * not starting with a dot); an adapter refuses others.
 */
export interface FileStorage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The file; null when nothing is stored under the key. */
  get(key: string): Promise<StoredFile | null>;
  /** Removes the file; a key with nothing stored is fine (idempotent). */
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** Throws for a key that could name a path outside the store (`..`, separators) or is no plain name. */
export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key)) throw new Error(`unsafe file storage key ${JSON.stringify(key)}`);
}

/** Files in memory: one process, for tests and as the twin of the real adapters. */
export class MemoryFileStorage implements FileStorage {
  private readonly files = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    assertSafeKey(key);
    this.files.set(key, bytes.slice());
  }

  async get(key: string): Promise<StoredFile | null> {
    assertSafeKey(key);
    const bytes = this.files.get(key);
    return bytes ? { body: bytes.slice(), size: bytes.byteLength } : null;
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    this.files.delete(key);
  }

  /** How many files are stored (tests: "nothing was stored"). */
  get size(): number {
    return this.files.size;
  }
}

/** The whole file as bytes, whichever form the adapter answered with (tests, small reads). */
export async function readAll(file: StoredFile): Promise<Uint8Array> {
  if (file.body instanceof Uint8Array) return file.body;
  return new Uint8Array(await new Response(file.body).arrayBuffer());
}
