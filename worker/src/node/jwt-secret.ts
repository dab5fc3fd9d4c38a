import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIN_SECRET_BYTES } from "../config.ts";

/**
 * The JWT signing key: JWT_SECRET when set (at least 32 bytes, always); otherwise, outside
 * production, a random key generated once and kept in DATA_DIR/jwt-secret so tokens survive restarts.
 */
export function resolveJwtSecret(options: { secret?: string; production: boolean; dataDir: string }): string {
  const { secret, production, dataDir } = options;
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (256 bits)`);
    return secret;
  }
  if (production) throw new Error("JWT_SECRET is required when NODE_ENV=production");
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "jwt-secret");
  try {
    writeFileSync(file, randomBytes(48).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stored = readFileSync(file, "utf8").trim();
  if (Buffer.byteLength(stored) < MIN_SECRET_BYTES) throw new Error(`${file} holds a key shorter than ${MIN_SECRET_BYTES} bytes`);
  return stored;
}
