import { upgradeToken } from "@parley/common";

/** Set by the entry on every request it forwards (a client's own value is overwritten): the gateway's shard. */
export const GATEWAY_HEADER = "x-parley-gateway";

/** The Durable Object name of gateway `shard`. */
export const gatewayName = (shard: number) => `gateway-${shard}`;

/** FNV-1a, 32 bits: stable everywhere, and enough to spread user ids (not a security boundary). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * The `sub` of the request's token, decoded and not verified: it only picks a gateway, which then
 * verifies the token like any other. From `Authorization: Bearer` or the `bearer.<token>` subprotocol.
 */
export function tokenSubject(request: Request): string | undefined {
  const token = upgradeToken(request.headers.get("authorization") ?? undefined, request.headers.get("sec-websocket-protocol") ?? undefined);
  const payload = token?.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === "string" ? sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The gateway shard of a request: by user, so one user's requests and sockets meet in one gateway
 * (its per-user rate limits stay exact). Requests without a token (register, login) go to shard 0,
 * where the per-address and per-account limiters then see all of them.
 */
export function shardOf(request: Request, shards: number): number {
  const sub = tokenSubject(request);
  return sub === undefined ? 0 : fnv1a(sub) % shards;
}
