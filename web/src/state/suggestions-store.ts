import { createSignal } from "solid-js";
import type { ServerFrame } from "@parley/protocol";

/** Quiet time after the last keystroke before a suggestion is asked for. */
export const SUGGEST_DELAY_MS = 250;
const STORAGE_KEY = "parley.suggestions";

/** The suggestion shown as ghost text after `text`. */
export interface Ghost {
  requestId: string;
  roomId: string;
  /** The composer text it continues. */
  text: string;
  suggestion: string;
  source: string;
  done: boolean;
}

export interface SuggestionsDeps {
  /** Sends a `suggest` frame (a newer one cancels the older on the server). */
  request: (roomId: string, text: string, requestId: string) => void;
  storage?: Pick<Storage, "getItem" | "setItem">;
}

/** Ghost-text autocomplete: debounced requests, streamed deltas, a remembered on/off switch. */
export function createSuggestionsStore(deps: SuggestionsDeps) {
  const [enabled, setEnabledSignal] = createSignal(deps.storage?.getItem(STORAGE_KEY) !== "off");
  const [ghost, setGhost] = createSignal<Ghost>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: string | undefined;
  let counter = 0;

  /** Drops the suggestion shown and the one in flight: its late deltas will be ignored. */
  const cancel = () => {
    clearTimeout(timer);
    current = undefined;
    setGhost(undefined);
  };

  return {
    enabled,
    ghost,
    cancel,
    setEnabled(on: boolean) {
      setEnabledSignal(on);
      deps.storage?.setItem(STORAGE_KEY, on ? "on" : "off");
      if (!on) cancel();
    },
    /** The composer changed: cancel what is shown and ask again after a pause. */
    schedule(roomId: string, text: string) {
      cancel();
      if (!enabled() || text.trim().length === 0) return;
      timer = setTimeout(() => {
        const requestId = `s${Date.now().toString(36)}${++counter}`;
        current = requestId;
        setGhost({ requestId, roomId, text, suggestion: "", source: "", done: false });
        deps.request(roomId, text, requestId);
      }, SUGGEST_DELAY_MS);
    },
    /** The user took `part` of the suggestion: the rest stays shown after the new text. */
    consume(part: string) {
      const g = ghost();
      if (!g || !g.suggestion.startsWith(part)) return;
      const rest = g.suggestion.slice(part.length);
      if (rest.length === 0 && g.done) return cancel();
      setGhost({ ...g, text: g.text + part, suggestion: rest });
    },
    /** Takes `suggestion` and `error` frames; others are ignored. */
    receive(frame: ServerFrame) {
      if (frame.type === "error" && frame.requestId && frame.requestId === current) return cancel();
      if (frame.type !== "suggestion" || frame.requestId !== current) return;
      const g = ghost();
      if (!g) return;
      setGhost({ ...g, suggestion: g.suggestion + frame.delta, source: frame.source, done: frame.done });
      if (frame.done) current = undefined;
    },
  };
}
export type SuggestionsStore = ReturnType<typeof createSuggestionsStore>;

/** The first word of a suggestion with the spaces before it: what Ctrl/Cmd+→ accepts. */
export function firstWord(suggestion: string): string {
  return /^\s*\S+/.exec(suggestion)?.[0] ?? suggestion;
}
