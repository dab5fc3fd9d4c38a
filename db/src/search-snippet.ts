import type { SnippetPart } from "@parley/protocol";

/** ts_headline's selection markers: control characters a message body cannot hold (protocol text rules). */
export const MATCH_START = "\u0002";
export const MATCH_STOP = "\u0003";

/** Bodies up to this many characters are shown whole; longer ones as a window around the first match. */
const WHOLE_MAX = 240;
/** Characters of context kept before the first match in a window. */
const LEAD = 60;

/**
 * Where the query matched: `[start, end)` ranges of the body, read from a ts_headline of the
 * whole body (HighlightAll) that is the body itself with markers around each match. The body
 * handed to ts_headline had `<`, `>` and `&` swapped for spaces one for one, so offsets carry over.
 */
export function matchRanges(headline: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let offset = 0;
  let start = -1;
  for (const char of headline) {
    if (char === MATCH_START) start = offset;
    else if (char === MATCH_STOP) {
      if (start >= 0 && offset > start) ranges.push([start, offset]);
      start = -1;
    } else offset += char.length;
  }
  return ranges;
}

/** Moves `at` back (or forward) to a space, so a window does not begin or end inside a word. */
function wordEdge(body: string, at: number, direction: -1 | 1): number {
  const limit = 20;
  for (let i = 0; i < limit; i++) {
    const probe = at + i * direction;
    if (probe <= 0) return 0;
    if (probe >= body.length) return body.length;
    if (/\s/.test(body[probe]!)) return direction < 0 ? probe + 1 : probe;
  }
  return at;
}

/**
 * The snippet of a result: the original body (never ts_headline's rewrite of it), whole when short,
 * otherwise a window around the first match with "…" where it was cut, split into parts with
 * `match` on the matched words.
 */
export function snippetOf(body: string, ranges: Array<[number, number]>): SnippetPart[] {
  let from = 0;
  let to = body.length;
  if (body.length > WHOLE_MAX) {
    from = wordEdge(body, Math.max(0, (ranges[0]?.[0] ?? 0) - LEAD), -1);
    to = wordEdge(body, Math.min(body.length, from + WHOLE_MAX), 1);
  }
  const parts: SnippetPart[] = [];
  const plain = (text: string) => {
    const last = parts.at(-1);
    if (last && !last.match) last.text += text;
    else if (text !== "") parts.push({ text });
  };
  if (from > 0) plain("…");
  let at = from;
  for (const [start, end] of ranges) {
    if (end <= at || start >= to) continue;
    plain(body.slice(at, Math.max(at, start)));
    parts.push({ text: body.slice(Math.max(at, start), Math.min(end, to)), match: true });
    at = Math.min(end, to);
  }
  plain(body.slice(at, to));
  if (to < body.length) plain("…");
  return parts;
}
