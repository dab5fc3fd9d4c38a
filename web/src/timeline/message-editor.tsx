import { createSignal, onMount, Show } from "solid-js";
import { LIMITS } from "@parley/protocol/client";

/** The body to start from, and what saving and cancelling do. */
export interface MessageEditorProps {
  body: string;
  /** Stores the new body; a rejection's message is shown under the box and editing goes on. */
  onSave: (body: string) => Promise<void>;
  onCancel: () => void;
}

/** Grows the box with its text, as the composer does, up to the cap in styles.css. */
const fit = (area: HTMLTextAreaElement) => {
  area.style.height = "auto";
  area.style.height = `${area.scrollHeight + area.offsetHeight - area.clientHeight}px`;
};

/**
 * A message's body in place, as a text box: Enter saves, Shift+Enter starts a new line, Esc cancels.
 * Saving the same text only closes it; an empty or too long one says why.
 */
export function MessageEditor(props: MessageEditorProps) {
  let area!: HTMLTextAreaElement;
  const [saving, setSaving] = createSignal(false);
  const [error, setError] = createSignal<string>();

  async function save() {
    const body = area.value.trim();
    if (!body) return setError("A message cannot be empty: delete it instead.");
    if ([...body].length > LIMITS.messageBodyMax) return setError(`Messages can be at most ${LIMITS.messageBodyMax} characters.`);
    if (body === props.body) return props.onCancel();
    setSaving(true);
    setError(undefined);
    try {
      await props.onSave(body);
    } catch (problem) {
      setError((problem as Error).message);
      setSaving(false);
    }
  }
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void save();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      props.onCancel();
    }
  }

  onMount(() => {
    area.value = props.body;
    // The list brings the message into view itself; the browser's own scroll would leave the end.
    area.focus({ preventScroll: true });
    area.setSelectionRange(area.value.length, area.value.length);
    fit(area);
  });

  return (
    <div class="message-editor">
      <textarea
        ref={area}
        aria-label="Edit message"
        aria-describedby="message-editor-hint"
        readOnly={saving()}
        onKeyDown={onKeyDown}
        onInput={() => (setError(undefined), fit(area))}
      />
      <p id="message-editor-hint" class="message-editor-hint">
        <Show when={error()} fallback={saving() ? "Saving…" : "Enter to save, Shift+Enter for a new line, Esc to cancel"}>
          <span class="error" role="alert">
            {error()}
          </span>
        </Show>
      </p>
    </div>
  );
}
