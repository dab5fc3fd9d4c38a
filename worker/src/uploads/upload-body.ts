import type { Context } from "hono";
import { uploadBodyLimit, uploadNameSchema } from "@parley/protocol";
import { ApiError, invalid, readUpTo } from "@parley/common";
import { parseWith } from "../http/body.ts";

export const fileTooLarge = (maxBytes: number) => new ApiError("too_large", `files are limited to ${maxBytes} bytes`);

/** What the head of a `POST /api/uploads` says: checked before the body is read (400 for a bad name, 413 for a declared length past the limit). */
export interface UploadHead {
  /** The raw body's `?name=`; a multipart form names its file itself. */
  name?: string;
  multipart: boolean;
  maxBytes: number;
}

export function uploadHead(c: Context, maxBytes: number): UploadHead {
  const multipart = /^multipart\/form-data\s*;/i.test(c.req.header("content-type") ?? "");
  const limit = multipart ? uploadBodyLimit(maxBytes) : maxBytes;
  if (Number(c.req.header("content-length") ?? "0") > limit) throw fileTooLarge(maxBytes);
  return multipart ? { multipart, maxBytes } : { multipart, maxBytes, name: parseWith(uploadNameSchema, c.req.query("name") ?? "") };
}

/**
 * The file of a `POST /api/uploads`: the raw body named by `?name=`, or the one `file` field of a
 * multipart form. Never holds more than `maxBytes` (plus a multipart envelope): past it, 413.
 */
export async function readUpload(c: Context, head: UploadHead): Promise<{ name: string; bytes: Uint8Array }> {
  const { multipart, maxBytes } = head;
  const limit = multipart ? uploadBodyLimit(maxBytes) : maxBytes;
  const { bytes, overflow } = c.req.raw.body ? await readUpTo(c.req.raw.body, limit) : { bytes: new Uint8Array(), overflow: false };
  if (overflow) throw fileTooLarge(maxBytes);
  if (!multipart) return { name: head.name!, bytes };
  return fileOfForm(bytes, c.req.header("content-type")!, maxBytes);
}

async function fileOfForm(body: Uint8Array<ArrayBuffer>, type: string, maxBytes: number): Promise<{ name: string; bytes: Uint8Array }> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": type } }).formData();
  } catch {
    throw invalid("the body is not a valid multipart form");
  }
  const files = form.getAll("file");
  const [file] = files;
  if (files.length !== 1 || typeof file === "string" || !file) throw invalid("send one file, in a form field named file");
  if (file.size > maxBytes) throw fileTooLarge(maxBytes);
  return { name: parseWith(uploadNameSchema, file.name), bytes: new Uint8Array(await file.arrayBuffer()) };
}

/**
 * `Content-Disposition` for a download (RFC 6266): `filename` an ASCII stand-in for old clients,
 * `filename*` the real name in UTF-8 (RFC 8187).
 */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
