import { MIN_SECRET_BYTES, parseConfig, type Config } from "../config.ts";

/** The Worker's bindings (wrangler.toml) and its string variables and secrets (the same names as on Node). */
export interface WorkerEnv {
  /** The Durable Object namespace that holds every WebSocket (see wrangler.toml). */
  COORDINATOR: DurableObjectNamespace;
  HYPERDRIVE: Hyperdrive;
  [variable: string]: unknown;
}

/** The Node settings, read from the Worker's `env`: its string entries are the variables and secrets. */
export function parseWorkerConfig(env: WorkerEnv): Config & { jwtSecret: string } {
  const vars = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const config = parseConfig(vars);
  return { ...config, jwtSecret: workerJwtSecret(config) };
}

/**
 * JWT_SECRET as on Node. Without one outside production there is no DATA_DIR to keep a generated key
 * in, so the key is random per Durable Object instance: tokens end with it (fine for `wrangler dev`).
 */
function workerJwtSecret(config: Config): string {
  const secret = config.jwtSecret;
  if (secret === undefined) {
    if (config.production) throw new Error("JWT_SECRET is required when NODE_ENV=production (wrangler secret put JWT_SECRET)");
    const bytes = crypto.getRandomValues(new Uint8Array(48));
    return btoa(String.fromCharCode(...bytes));
  }
  if (new TextEncoder().encode(secret).byteLength < MIN_SECRET_BYTES) throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (256 bits)`);
  return secret;
}
