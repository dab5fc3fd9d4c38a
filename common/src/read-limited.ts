import { LIMITS } from "@parley/protocol";
import { ApiError, invalid } from "./errors.ts";

/** 413 for a body past LIMITS.requestBodyBytes. */
export const tooLarge = () => new ApiError("too_large", `request bodies are limited to ${LIMITS.requestBodyBytes} bytes`);

/**
 * Reads a body stream, stopping as soon as it passes `limit` bytes (chunked bodies have no length).
 * `overflow` says it held more; `bytes` then holds the first `limit + 1` bytes.
 */
export async function readUpTo(stream: ReadableStream<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; overflow: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, limit + 1));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.byteLength - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return { bytes, overflow: size > limit };
}

/** Reads the body as UTF-8 text of at most 64 KiB; 413 past it, 400 for bytes that are not UTF-8. */
export async function readLimited(request: Request): Promise<string> {
  if (!request.body) return "";
  const { bytes, overflow } = await readUpTo(request.body, LIMITS.requestBodyBytes);
  if (overflow) throw tooLarge();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("the body is not valid UTF-8");
  }
}
