import { createSignal, Show } from "solid-js";
import { LIMITS } from "@parley/protocol/client";
import { firstWord, type SuggestionsStore } from "../state/suggestions-store.ts";

export interface ComposerProps {
  roomId: string;
  roomName: string;
  suggestions: SuggestionsStore;
  onSend: (body: string) => void;
  onTyping: () => void;
}

const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock"]);

/**
 * The message box. After a pause in typing a suggestion streams in as ghost text after the cursor:
 * Tab takes it all, Ctrl/Cmd+→ one word, Esc drops it, and any other key cancels it.
 */
export function Composer(props: ComposerProps) {
  let area!: HTMLTextAreaElement;
  let mirror!: HTMLDivElement;
  const [text, setText] = createSignal("");
  const [caretAtEnd, setCaretAtEnd] = createSignal(true);
  const [error, setError] = createSignal<string>();

  const ghost = () => {
    const g = props.suggestions.ghost();
    return g && g.roomId === props.roomId && g.text === text() && caretAtEnd() ? g : undefined;
  };
  const ghostText = () => ghost()?.suggestion ?? "";
  const trackCaret = () => setCaretAtEnd(area.selectionStart === area.value.length && area.selectionEnd === area.value.length);
  const fit = () => {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 200)}px`;
  };

  function replace(value: string) {
    area.value = value;
    area.setSelectionRange(value.length, value.length);
    setText(value);
    trackCaret();
    fit();
  }
  function accept(part: string) {
    props.suggestions.consume(part);
    replace(text() + part);
  }
  function send() {
    const body = text().trim();
    if (!body) return;
    if ([...body].length > LIMITS.messageBodyMax) return setError(`Messages can be at most ${LIMITS.messageBodyMax} characters.`);
    props.suggestions.cancel();
    props.onSend(body);
    replace("");
  }

  function onKeyDown(e: KeyboardEvent) {
    const shown = ghostText();
    if (e.key === "Tab" && shown && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      return accept(shown);
    }
    if (e.key === "ArrowRight" && (e.ctrlKey || e.metaKey) && shown) {
      e.preventDefault();
      return accept(firstWord(shown));
    }
    if (e.key === "Escape" && props.suggestions.ghost()) {
      e.preventDefault();
      return props.suggestions.cancel();
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      return send();
    }
    if (!MODIFIERS.has(e.key)) props.suggestions.cancel();
  }
  function onInput() {
    setText(area.value);
    setError(undefined);
    trackCaret();
    fit();
    if (area.value.trim()) props.onTyping();
    props.suggestions.schedule(props.roomId, area.value);
  }

  return (
    <form class="composer" onSubmit={(e) => (e.preventDefault(), send())}>
      <div class="composer-field">
        <div ref={mirror} class="ghost-mirror" aria-hidden="true">
          <span class="ghost-typed">{text()}</span>
          <span class="ghost-text">{ghostText()}</span>
        </div>
        <textarea
          ref={area}
          rows="1"
          aria-label={`Message ${props.roomName}`}
          aria-describedby="composer-hint"
          placeholder={`Message ${props.roomName}`}
          title={ghostText() ? `Suggestion from ${ghost()?.source || "the server"}` : undefined}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onKeyUp={trackCaret}
          onClick={trackCaret}
          onSelect={trackCaret}
          onScroll={() => (mirror.scrollTop = area.scrollTop)}
        />
      </div>
      <button type="submit" class="primary send-button" disabled={!text().trim()}>
        Send
      </button>
      <p id="composer-hint" class="composer-hint" aria-live="polite">
        <Show
          when={error()}
          fallback={
            ghostText() ? (
              <span title={`Suggested by ${ghost()?.source}`}>Suggestion: Tab to accept, Ctrl+→ for one word, Esc to dismiss</span>
            ) : (
              "Enter to send, Shift+Enter for a new line"
            )
          }
        >
          <span class="error">{error()}</span>
        </Show>
      </p>
    </form>
  );
}
