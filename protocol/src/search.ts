import type { Message } from "./models.ts";

/** Bounds of a search: what one query may say, and how many results a page holds. */
export const SEARCH_LIMITS = {
  /** Characters of `q`. */
  queryMax: 256,
  /** Words and phrases together. */
  termsMax: 16,
  pageDefault: 20,
  pageMax: 50,
} as const;

/**
 * A parsed search (docs/protocol.md, "Search"). Every word and every phrase must match; the
 * filters narrow the messages searched. Dates are UTC days, `YYYY-MM-DD`.
 */
export interface SearchQuery {
  words: string[];
  phrases: string[];
  /** Messages by this user (a username, without `@`). */
  from?: string;
  /** Messages of the room with this name. */
  in?: string;
  /** Messages sent before this day began. */
  before?: string;
  /** Messages sent after this day ended. */
  after?: string;
}

export type SearchFilter = "from" | "in" | "before" | "after";

/** One piece of a snippet: the message's text in order, `match` where the query matched it. */
export interface SnippetPart {
  text: string;
  match?: true;
}

/** One result of `GET /api/search`: the message as it is now, its room, and where it matched. */
export interface SearchResult {
  message: Message;
  room: { id: string; name: string };
  snippet: SnippetPart[];
}

export interface SearchPage {
  results: SearchResult[];
  /** The `cursor` of the next page (older results); null on the last. */
  next: string | null;
}

export type ParsedSearch = { ok: true; query: SearchQuery } | { ok: false; message: string };

const FILTERS: readonly SearchFilter[] = ["from", "in", "before", "after"];
/** A quoted phrase, a `filter:value` (the value may be quoted), or a bare word. */
const TOKEN = /"([^"]*)"?|([a-z]+):(?:"([^"]*)"?|(\S*))|(\S+)/gi;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A term must hold a letter or a digit: punctuation alone matches nothing in the index. */
const SEARCHABLE = /[\p{L}\p{N}]/u;

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** Checks a filter's value: a day for the dates, a non-empty name otherwise. */
function filterValue(filter: SearchFilter, raw: string): string | { error: string } {
  const value = filter === "from" ? raw.replace(/^@/, "") : raw.trim();
  if (value === "") return { error: `${filter}: needs a value` };
  if ((filter === "before" || filter === "after") && !isDay(value)) return { error: `${filter}: must be a date YYYY-MM-DD, not "${value}"` };
  return value;
}

/**
 * Reads the search syntax: words, "quoted phrases", `from:user`, `in:room` (or `in:"a room"`),
 * `before:YYYY-MM-DD` and `after:YYYY-MM-DD`. A `word:` that is no filter stays a word. The same
 * parser runs in the browser (to explain a mistake before sending) and on the server; it needs no
 * zod, so the web UI's bundle takes it from `@parley/protocol/client`.
 */
export function parseSearchQuery(q: string): ParsedSearch {
  if ([...q].length > SEARCH_LIMITS.queryMax) return { ok: false, message: `the query must be at most ${SEARCH_LIMITS.queryMax} characters` };
  const query: SearchQuery = { words: [], phrases: [] };
  for (const [, phrase, name, quotedValue, value, word] of q.matchAll(TOKEN)) {
    const filter = name?.toLowerCase() as SearchFilter | undefined;
    if (filter && FILTERS.includes(filter)) {
      if (query[filter] !== undefined) return { ok: false, message: `${filter}: may be given once` };
      const checked = filterValue(filter, quotedValue ?? value ?? "");
      if (typeof checked !== "string") return { ok: false, message: checked.error };
      query[filter] = checked;
    } else if (phrase !== undefined) {
      const text = phrase.trim().replace(/\s+/g, " ");
      if (SEARCHABLE.test(text)) query.phrases.push(text);
    } else {
      const text = word ?? `${name}:${quotedValue ?? value ?? ""}`;
      if (SEARCHABLE.test(text)) query.words.push(text);
    }
  }
  const terms = query.words.length + query.phrases.length;
  if (terms === 0) return { ok: false, message: "the query needs at least one word to search for" };
  if (terms > SEARCH_LIMITS.termsMax) return { ok: false, message: `the query may hold at most ${SEARCH_LIMITS.termsMax} words and phrases` };
  if (query.before && query.after && query.after >= query.before) return { ok: false, message: "after: must be earlier than before:" };
  return { ok: true, query };
}
