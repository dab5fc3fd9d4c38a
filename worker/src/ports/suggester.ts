import type { User } from "@parley/protocol";

export interface SuggestRequest {
  user: User;
  roomId: string;
  text: string;
  signal: AbortSignal;
}

/** Autocomplete for the message being typed. Engines stream text to append after `text`. */
export interface Suggester {
  suggest(request: SuggestRequest): AsyncIterable<{ delta: string; source: string }>;
}

/** Suggests nothing. Stands in until an engine is configured. */
export const noSuggester: Suggester = {
  async *suggest() {
    yield { delta: "", source: "off" };
  },
};
