import { batch, createSignal } from "solid-js";
import { parseSearchQuery, type SearchPage, type SearchResult } from "@parley/protocol/client";

export type SearchStatus = "idle" | "loading" | "done" | "error";

/** Fetches a page of results: `GET /api/search` (HttpClient.search). */
export type SearchPages = (q: string, page: { cursor?: string }) => Promise<SearchPage>;

/**
 * One search at a time, for the top bar's search box: the query is checked with the server's own
 * parser first (a mistake is explained without a request), then pages of results are fetched and
 * appended as the reader asks for more. An answer to a query that was replaced meanwhile is dropped.
 */
export function createSearchStore(pages: SearchPages) {
  const [query, setQuery] = createSignal("");
  const [results, setResults] = createSignal<SearchResult[]>([]);
  const [next, setNext] = createSignal<string | null>(null);
  const [status, setStatus] = createSignal<SearchStatus>("idle");
  const [problem, setProblem] = createSignal<string>();
  let asked = 0;

  async function fetchPage(q: string, cursor?: string) {
    const ticket = ++asked;
    batch(() => (setStatus("loading"), setProblem(undefined)));
    try {
      const page = await pages(q, cursor ? { cursor } : {});
      if (ticket !== asked) return;
      batch(() => {
        setResults((held) => (cursor ? [...held, ...page.results] : page.results));
        setNext(page.next);
        setStatus("done");
      });
    } catch (error) {
      if (ticket === asked) batch(() => (setProblem((error as Error).message), setStatus("error")));
    }
  }

  return {
    query,
    results,
    status,
    problem,
    hasMore: () => next() !== null,
    /** Searches for `q` from its newest results; an invalid query says why and asks nothing. */
    run(q: string) {
      const parsed = parseSearchQuery(q);
      batch(() => {
        setQuery(q);
        setResults([]);
        setNext(null);
      });
      if (!parsed.ok) {
        asked++;
        return void batch(() => (setProblem(parsed.message), setStatus("error")));
      }
      return fetchPage(q);
    },
    /** The next page of the current search, appended. */
    more() {
      const cursor = next();
      if (cursor && status() !== "loading") return fetchPage(query(), cursor);
    },
    clear() {
      asked++;
      batch(() => {
        setQuery("");
        setResults([]);
        setNext(null);
        setStatus("idle");
        setProblem(undefined);
      });
    },
  };
}

export type SearchStore = ReturnType<typeof createSearchStore>;
