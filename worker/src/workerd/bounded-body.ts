import { LIMITS } from "@parley/protocol";
import { readUpTo } from "@parley/common";

/**
 * The request with its body read here, at most one byte past the 64 KiB limit (an upload's: past `limit`). Streaming a body on to
 * the Durable Object fails in workerd when the object answers before reading all of it (a 413):
 * "Can't read from request stream after response has been sent", and the next request is lost with
 * it. The app still sees an oversized body (limit + 1 bytes) and answers 413 as on Node.
 */
export async function withBoundedBody(request: Request, limit: number = LIMITS.requestBodyBytes): Promise<Request> {
  if (!request.body) return request;
  const { bytes, overflow } = await readUpTo(request.body, limit);
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  if (overflow) headers.set("content-length", String(bytes.byteLength));
  return new Request(request.url, { method: request.method, headers, body: bytes, redirect: request.redirect });
}
