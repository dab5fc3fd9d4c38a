import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIN_SECRET_BYTES } from "../config.ts";
import { resolveJwtSecret } from "./jwt-secret.ts";

describe("resolveJwtSecret", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "parley-jwt-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("returns a given secret of at least 32 bytes, in production too", () => {
    const secret = "s".repeat(MIN_SECRET_BYTES);
    expect(resolveJwtSecret({ secret, production: true, dataDir: dir })).toBe(secret);
    // Bytes, not characters: 16 two-byte characters are enough.
    expect(resolveJwtSecret({ secret: "é".repeat(16), production: false, dataDir: dir })).toBe("é".repeat(16));
    expect(existsSync(join(dir, "jwt-secret"))).toBe(false);
  });

  it("refuses a short secret, even outside production", () => {
    for (const production of [true, false]) {
      expect(() => resolveJwtSecret({ secret: "s".repeat(MIN_SECRET_BYTES - 1), production, dataDir: dir })).toThrow(/JWT_SECRET.*32 bytes/);
    }
    expect(() => resolveJwtSecret({ secret: "", production: false, dataDir: dir })).toThrow(/JWT_SECRET/);
  });

  it("refuses a missing secret in production and writes nothing", () => {
    expect(() => resolveJwtSecret({ production: true, dataDir: dir })).toThrow(/JWT_SECRET is required/);
    expect(existsSync(join(dir, "jwt-secret"))).toBe(false);
  });

  it("generates a key once, keeps it in an owner-only file and returns it again", () => {
    const dataDir = join(dir, "nested", "data");
    const first = resolveJwtSecret({ production: false, dataDir });
    const file = join(dataDir, "jwt-secret");
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(MIN_SECRET_BYTES);
    expect(readFileSync(file, "utf8")).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveJwtSecret({ production: false, dataDir })).toBe(first);
    // Another data directory gets its own key.
    expect(resolveJwtSecret({ production: false, dataDir: join(dir, "other") })).not.toBe(first);
  });

  it("refuses a stored key that is too short", () => {
    writeFileSync(join(dir, "jwt-secret"), "short\n", { mode: 0o600 });
    expect(() => resolveJwtSecret({ production: false, dataDir: dir })).toThrow(/shorter than 32 bytes/);
  });
});
