import { LIMITS } from "@parley/protocol";

/**
 * The request with its body read here, at most one byte past the 64 KiB limit. Streaming a body on to
 * the Durable Object fails in workerd when the object answers before reading all of it (a 413):
 * "Can't read from request stream after response has been sent", and the next request is lost with
 * it. The app still sees an oversized body (limit + 1 bytes) and answers 413 as on Node.
 */
export async function withBoundedBody(request: Request): Promise<Request> {
  if (!request.body) return request;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > LIMITS.requestBodyBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const body = new Uint8Array(Math.min(size, LIMITS.requestBodyBytes + 1));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, body.byteLength - offset);
    body.set(part, offset);
    offset += part.byteLength;
    if (offset === body.byteLength) break;
  }
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  if (size > LIMITS.requestBodyBytes) headers.set("content-length", String(size));
  return new Request(request.url, { method: request.method, headers, body, redirect: request.redirect });
}
