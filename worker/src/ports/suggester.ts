import type { User } from "@parley/protocol";

export interface SuggestRequest {
  user: User;
  roomId: string;
  text: string;
  signal: AbortSignal;
}

/** What `/readyz` shows of the suggestion engines, e.g. `{engine: "auto", serving: "builtin", llm: "down"}`. */
export type SuggesterStatus = Record<string, string>;

/** Autocomplete for the message being typed. Engines stream text to append after `text`. */
export interface Suggester {
  suggest(request: SuggestRequest): AsyncIterable<{ delta: string; source: string }>;
  /** The engines' state for `/readyz`; it never fails readiness. */
  status?(): SuggesterStatus;
}

/** Suggests nothing. Stands in until an engine is configured. */
export const noSuggester: Suggester = {
  async *suggest() {
    yield { delta: "", source: "off" };
  },
};
