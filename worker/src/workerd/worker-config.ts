import { z } from "zod";
import { parseEnv } from "@parley/common";
import { MIN_SECRET_BYTES, parseConfig, uploadMaxBytesField, type Config } from "../config.ts";
import type { RoomNamespace } from "./room-api.ts";

/** The Worker's bindings (wrangler.toml) and its string variables and secrets (the same names as on Node). */
export interface WorkerEnv {
  /** The gateway Durable Objects: each runs the app for the WebSockets and requests of its shard of users. */
  GATEWAYS: DurableObjectNamespace;
  /** The room Durable Objects: one per room (and one for the sessions channel), fan-out and presence. */
  ROOMS: RoomNamespace;
  HYPERDRIVE: Hyperdrive;
  [variable: string]: unknown;
}

/** The settings only the Workers entry has. */
const gatewaySchema = z
  .object({
    /** How many gateway objects share the users (by a hash of the token's `sub`). */
    GATEWAY_SHARDS: z.coerce.number().int().min(1).max(256).default(4),
    /** `on`: the `/_gateway/<n>/…` pinning and `/_debug/…` routes, for tests and benchmarks. Never in production. */
    GATEWAY_DEBUG: z.enum(["on", "off"]).default("off"),
    /**
     * `on`: gateways take client sockets with the Hibernation API (docs/cloudflare.md). Off by default: under
     * workerd a server-side close (sign-out, token expiry) of a socket that has sent no frame yet never completes.
     */
    GATEWAY_HIBERNATION: z.enum(["on", "off"]).default("off"),
    /** The entry reads an upload's body (up to this, and a multipart envelope) before the gateway gets it. */
    UPLOAD_MAX_BYTES: uploadMaxBytesField,
  })
  .transform((env) => ({
    shards: env.GATEWAY_SHARDS,
    debug: env.GATEWAY_DEBUG === "on",
    hibernation: env.GATEWAY_HIBERNATION === "on",
    uploadMaxBytes: env.UPLOAD_MAX_BYTES,
  }));

export type GatewayConfig = z.output<typeof gatewaySchema>;

/** The string entries of `env`: the variables and secrets. */
const variables = (env: WorkerEnv) => Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));

export function parseGatewayConfig(env: WorkerEnv): GatewayConfig {
  return parseEnv(gatewaySchema, variables(env));
}

/**
 * The Node settings, read from the Worker's `env`. Without JWT_SECRET outside production there is no
 * DATA_DIR to keep a generated key in: `devSecret` supplies one every gateway shares (kept in the
 * sessions room object's storage, so it lasts as long as wrangler's local state).
 */
export async function parseWorkerConfig(env: WorkerEnv, devSecret: () => Promise<string>): Promise<Config & { jwtSecret: string }> {
  const config = parseConfig(variables(env));
  const secret = config.jwtSecret;
  if (secret === undefined) {
    if (config.production) throw new Error("JWT_SECRET is required when NODE_ENV=production (wrangler secret put JWT_SECRET)");
    return { ...config, jwtSecret: await devSecret() };
  }
  if (new TextEncoder().encode(secret).byteLength < MIN_SECRET_BYTES) throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (256 bits)`);
  return { ...config, jwtSecret: secret };
}
