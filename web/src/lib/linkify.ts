/** A piece of message text: plain, or a web link. */
export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

/** One pass over the text, no nested quantifiers: linear in its length whatever it holds. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
/** Punctuation that ends a sentence rather than the link. */
const TRAILING = new Set([...").,;:!?]"]);
/** Bidirectional formatting characters: in a link's text they could make it read as another address. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Splits text into plain parts and http(s) links. Only the two web schemes become links, so a
 * `javascript:` URL stays text; the caller renders segments as text nodes, never as HTML.
 * A link shows the host it really goes to (punycode for non-ASCII names) and no bidi controls;
 * a URL with a user name or password (`https://bank.com@evil.example/`) stays text.
 */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = withoutTrailingPunctuation(match[0]);
    const start = match.index;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push(toSegment(url));
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

function withoutTrailingPunctuation(url: string): string {
  let end = url.length;
  while (end > 0 && TRAILING.has(url[end - 1]!)) end--;
  return url.slice(0, end);
}

function toSegment(url: string): Segment {
  const link = webLink(url);
  return link ? { kind: "link", text: link.text, href: link.href } : { kind: "text", text: url };
}

/** Where a link goes (`href`) and how it reads (`text`): the URL as typed, with its real host. */
export interface WebLink {
  text: string;
  href: string;
}

/**
 * The rules every link in a message follows, bare or written in Markdown: http(s) only, no user
 * name or password, no bidi controls, the host shown as the browser resolves it. Undefined when the
 * URL may not be a link (it stays text).
 */
export function webLink(url: string): WebLink | undefined {
  const cleaned = url.replace(BIDI_CONTROLS, "");
  let parsed: URL;
  try {
    parsed = new URL(cleaned);
  } catch {
    return undefined;
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.username || parsed.password) return undefined;
  return { text: displayed(cleaned, parsed), href: parsed.href };
}

/** The URL as typed, with its host as the browser will resolve it (`xn--…` for a non-ASCII name). */
function displayed(url: string, parsed: URL): string {
  const afterScheme = url.indexOf("//") + 2;
  let hostEnd = afterScheme;
  while (hostEnd < url.length && !"/?#".includes(url[hostEnd]!)) hostEnd++;
  return `${url.slice(0, afterScheme)}${parsed.host}${url.slice(hostEnd)}`;
}
