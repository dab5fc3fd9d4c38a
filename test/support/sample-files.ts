/** Small files of each kind the upload tests send, built by hand (headers are what sniffing reads). */

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** A PNG of `width` × `height`: the signature, an IHDR chunk and IEND (no pixels; sniffing and sizing read the header). */
export function png(width = 3, height = 2): Uint8Array<ArrayBuffer> {
  const ihdr = [...u32(13), ...Buffer.from("IHDR"), ...u32(width), ...u32(height), 8, 6, 0, 0, 0, ...u32(0)];
  const iend = [...u32(0), ...Buffer.from("IEND"), 0xae, 0x42, 0x60, 0x82];
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...ihdr, ...iend]);
}

/** A GIF89a header of `width` × `height` (little-endian sizes). */
export const gif = (width = 5, height = 4) => Uint8Array.from([...Buffer.from("GIF89a"), width & 255, width >> 8, height & 255, height >> 8, 0, 0, 0, 0x3b]);

export const pdf = () => new Uint8Array(Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"));

/** A zip archive's local file header. */
export const zip = () => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, ...new Array(20).fill(0), 1, 0, 0, 0, 0x61]);

export const text = (s = "hello, wörld\nsecond line\n") => new Uint8Array(Buffer.from(s, "utf8"));
export const html = () => text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>");
export const svg = () => text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
/** An ELF executable's header. */
export const elf = () => Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(56).fill(0)]);
