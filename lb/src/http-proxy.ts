/** Hop-by-hop headers (RFC 9110 §7.6.1) and those the balancer sets itself. */
const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
  "host", "content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "expect",
]);

/** Headers to send a worker: the client's, minus hop-by-hop, plus forwarding information. */
export function forwardHeaders(incoming: Headers, client: { address: string; forwardedFor?: string; host?: string; requestId: string }): Headers {
  const headers = new Headers();
  incoming.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers.set(name, value);
  });
  headers.set("x-forwarded-for", client.forwardedFor ? `${client.forwardedFor}, ${client.address}` : client.address);
  headers.set("x-forwarded-proto", "http");
  if (client.host) headers.set("x-forwarded-host", client.host);
  headers.set("x-request-id", client.requestId);
  return headers;
}

/** GET and HEAD, or a POST that names its idempotency key (`clientId` in the JSON body or `Idempotency-Key`). */
export function isIdempotent(method: string, headers: Headers, body: string): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return true;
  if (method !== "POST") return false;
  if (headers.get("idempotency-key")) return true;
  try {
    const parsed = JSON.parse(body) as { clientId?: unknown };
    return typeof parsed?.clientId === "string" && parsed.clientId.length > 0;
  } catch {
    return false;
  }
}

/** True when a fetch failed before the worker could have received the request. */
export function isConnectError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EHOSTUNREACH" || code === "UND_ERR_SOCKET" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "EPIPE";
}

/** Hop-by-hop response headers, as lower-case names of Node's IncomingHttpHeaders. */
const HOP_BY_HOP_RESPONSE = new Set(["connection", "keep-alive", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);

/** A worker's response headers for Node's `writeHead`, minus hop-by-hop ones. */
export function nodeResponseHeaders(headers: import("node:http").IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP_RESPONSE.has(name)) out[name] = value;
  return out;
}
