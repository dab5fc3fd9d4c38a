/** The versions of Parley's WebSocket protocol a server speaks; one is chosen per connection. */
export type ProtocolVersion = 1 | 2;

/** The newest version: what clients should ask for. */
export const PROTOCOL_VERSION = 2 satisfies ProtocolVersion;

/** The subprotocol that names each version in `Sec-WebSocket-Protocol`. */
export const WS_SUBPROTOCOLS = { 1: "parley.v1", 2: "parley.v2" } as const satisfies Record<ProtocolVersion, string>;

/** The subprotocol of the newest version. */
export const WS_SUBPROTOCOL = WS_SUBPROTOCOLS[PROTOCOL_VERSION];

/** The prefix of the subprotocol entry that carries a browser's token. */
export const WS_BEARER_PREFIX = "bearer.";

/**
 * The version a client gets for what it offered (a `Sec-WebSocket-Protocol` value): the newest one
 * offered, and version 1 without an answered subprotocol when it offered none (an `Authorization` client).
 */
export function negotiateProtocol(offered: string | undefined): { version: ProtocolVersion; subprotocol?: string } {
  const protocols = new Set((offered ?? "").split(",").map((p) => p.trim()));
  if (protocols.has(WS_SUBPROTOCOLS[2])) return { version: 2, subprotocol: WS_SUBPROTOCOLS[2] };
  if (protocols.has(WS_SUBPROTOCOLS[1])) return { version: 1, subprotocol: WS_SUBPROTOCOLS[1] };
  return { version: 1 };
}
