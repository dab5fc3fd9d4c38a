import { fileTypeFromBuffer } from "file-type";
import { imageSize } from "image-size";

/** What an upload is, from its bytes alone: its type and, for an image, its size in pixels. */
export interface Sniffed {
  contentType: string;
  width?: number;
  height?: number;
}

/** Types served as they are (images, video, audio, PDF): browsers show them in place; anything else downloads. */
export const INLINE_TYPES = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "audio/mpeg",
  "audio/ogg",
  "audio/wav",
]);

/** Everything accepted: the inline types, zip archives and UTF-8 text. No SVG, HTML or executables: nothing a browser could run. */
export const ALLOWED_TYPES = new Set([...INLINE_TYPES, "application/zip", "text/plain"]);

const IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/**
 * Text that a browser's sniffer (WHATWG MIME Sniffing §7.1) would take for HTML, or that is XML
 * (SVG among it): refused as text, whatever it is called, in case it is ever served without nosniff.
 */
const MARKUP = /^[\t\n\f\r ]*(?:<\?xml|<svg|<!--|<!doctype html|<(?:html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)(?:[\t\n\f\r >]|$))/i;

/** Valid UTF-8 without NUL bytes, not markup: the only bytes accepted as text/plain. */
function isPlainText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  return !MARKUP.test(text.slice(0, 1024));
}

/** The type of an upload by its bytes (never the client's header), or null when it is not allowed. */
export async function sniff(bytes: Uint8Array): Promise<Sniffed | null> {
  const found = await fileTypeFromBuffer(bytes);
  if (found) {
    if (!ALLOWED_TYPES.has(found.mime)) return null;
    return { contentType: found.mime, ...(IMAGES.has(found.mime) ? dimensions(bytes) : {}) };
  }
  return isPlainText(bytes) ? { contentType: "text/plain" } : null;
}

/** An image's width and height in pixels; nothing when the header cannot be read. */
function dimensions(bytes: Uint8Array): { width?: number; height?: number } {
  try {
    const { width, height } = imageSize(bytes);
    return width && height ? { width, height } : {};
  } catch {
    return {};
  }
}
