/** A piece of message text: plain, or a web link. */
export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
/** Punctuation that ends a sentence rather than the link. */
const TRAILING = /[).,;:!?\]]+$/;

/**
 * Splits text into plain parts and http(s) links. Only the two web schemes become links, so a
 * `javascript:` URL stays text; the caller renders segments as text nodes, never as HTML.
 */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trail = TRAILING.exec(url)?.[0] ?? "";
    url = url.slice(0, url.length - trail.length);
    const start = match.index;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    if (isHttpUrl(url)) out.push({ kind: "link", text: url, href: url });
    else out.push({ kind: "text", text: url });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}
