import { createEffect, createSignal, createUniqueId, on, onCleanup, Show } from "solid-js";
import { LIMITS, type Member } from "@parley/protocol/client";
import { useAttachments, useDrafts } from "../state/app-context.tsx";
import type { DraftsStore } from "../state/drafts-store.ts";
import { firstWord, type SuggestionsStore } from "../state/suggestions-store.ts";
import type { UploadsStore } from "../state/upload-queue.ts";
import type { Attachment } from "../transport/file-transfer.ts";
import { createMentionPicker, MentionList } from "./mention-picker.tsx";
import { AttachButton, UploadChips } from "./upload-chips.tsx";

export interface ComposerProps {
  roomId: string;
  roomName: string;
  suggestions: SuggestionsStore;
  /** The body (empty is allowed with files) and the files uploaded for it. */
  onSend: (body: string, attachments: Attachment[]) => void;
  onTyping: () => void;
  /** Where unsent text is kept per room; by default the signed-in user's (none outside a chat). */
  drafts?: DraftsStore;
  /** The key its unsent text is kept under (a thread's composer has its own); the room's id by default. */
  draftKey?: string;
  /** The box's label and placeholder; "Message <roomName>" by default. */
  label?: string;
  /** ↑ in the empty box: edit our last message (as in Slack); returns whether there was one to edit. */
  onEditLast?: () => boolean;
  /** Who `@` offers to mention (read when a mention is being typed); without it there is no picker. */
  mentionCandidates?: () => Member[];
  /** Where its files upload, one queue per draft key; the chat's by default (none outside a chat: no attaching). */
  uploads?: UploadsStore;
}

const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock"]);
/** The box grows with its text (and a wrapping suggestion) up to this height, then scrolls. */
const MAX_HEIGHT_PX = 200;

/**
 * Whether the composer may take the focus when its room opens: not from another text field or an
 * open dialog the user is in, and not on a touch screen (the keyboard would cover the room).
 */
function mayTakeFocus(area: HTMLTextAreaElement) {
  const active = document.activeElement;
  if (active && active !== area && active.closest("input, textarea, select, [role=dialog]")) return false;
  return !globalThis.matchMedia?.("(pointer: coarse)").matches;
}

/**
 * The message box. After a pause in typing a suggestion streams in as ghost text after the cursor:
 * Tab takes it all, Ctrl/Cmd+→ one word, Esc drops it, and any other key cancels it. Typing `@`
 * opens the mention picker, which has those keys (and Enter, ↑) while it is open.
 */
export function Composer(props: ComposerProps) {
  let area!: HTMLTextAreaElement;
  let mirror!: HTMLDivElement;
  const contextDrafts = useDrafts();
  const drafts = () => props.drafts ?? contextDrafts;
  const [text, setText] = createSignal("");
  const [caretAtEnd, setCaretAtEnd] = createSignal(true);
  const [caret, setCaret] = createSignal(0);
  const [error, setError] = createSignal<string>();
  const draftKey = () => props.draftKey ?? props.roomId;
  const contextUploads = useAttachments()?.uploads;
  const queue = () => (props.uploads ?? contextUploads)?.queue(draftKey());
  const failed = () =>
    queue()
      ?.items()
      .some((i) => i.status === "failed") ?? false;
  const canSend = () => !queue()?.busy() && !failed() && (text().trim() !== "" || queue()?.ready() === true);
  /** Files picked or pasted: each starts uploading. */
  const attach = (files: File[]) => {
    if (files.length) queue()?.add(files);
  };
  const label = () => props.label ?? `Message ${props.roomName}`;
  const hintId = createUniqueId();

  const mention = createMentionPicker({
    text,
    caret,
    candidates: () => props.mentionCandidates?.() ?? [],
    insert: (value, at) => (replace(value, at), drafts()?.set(props.roomId, value)),
  });
  const ghost = () => {
    const g = props.suggestions.ghost();
    if (mention.open()) return undefined;
    return g && g.roomId === props.roomId && g.text === text() && caretAtEnd() ? g : undefined;
  };
  const ghostText = () => ghost()?.suggestion ?? "";
  const trackCaret = () => {
    setCaretAtEnd(area.selectionStart === area.value.length && area.selectionEnd === area.value.length);
    setCaret(area.selectionEnd);
  };
  /** Sizes the box to its text or the wrapped suggestion, whichever is taller, and lines the mirror up. */
  const fit = () => {
    area.style.height = "auto";
    const borders = area.offsetHeight - area.clientHeight;
    area.style.height = `${Math.min(Math.max(area.scrollHeight, mirror.scrollHeight) + borders, MAX_HEIGHT_PX)}px`;
    syncMirror();
  };
  const syncMirror = () => (mirror.scrollTop = area.scrollTop);

  function replace(value: string, at = value.length) {
    area.value = value;
    area.setSelectionRange(at, at);
    setText(value);
    trackCaret();
  }
  function accept(part: string) {
    props.suggestions.consume(part);
    replace(text() + part);
  }
  function send() {
    const body = text().trim();
    if (queue()?.busy()) return setError("Wait for the files to finish uploading.");
    if (failed()) return setError("Remove or retry the files that could not be uploaded.");
    if (!canSend()) return;
    if ([...body].length > LIMITS.messageBodyMax) return setError(`Messages can be at most ${LIMITS.messageBodyMax} characters.`);
    props.suggestions.cancel();
    props.onSend(
      body,
      (queue()?.take() ?? []).map((t) => t.attachment),
    );
    replace("");
    drafts()?.set(draftKey(), "");
  }

  function onKeyDown(e: KeyboardEvent) {
    if (mention.onKeyDown(e)) return props.suggestions.cancel();
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
    if (e.key === "ArrowUp" && !area.value && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && props.onEditLast?.()) return e.preventDefault();
    if (!MODIFIERS.has(e.key)) props.suggestions.cancel();
  }
  function onPaste(e: ClipboardEvent) {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length || !queue()) return;
    // A copied image often comes with its HTML or address as text too: the file is what was meant.
    e.preventDefault();
    attach(files);
  }
  function onInput() {
    drafts()?.set(draftKey(), area.value);
    setText(area.value);
    setError(undefined);
    trackCaret();
    if (area.value.trim()) props.onTyping();
    props.suggestions.schedule(props.roomId, area.value);
  }

  // A room or thread (first or next) opens with its draft, and the box takes the focus.
  createEffect(
    on(draftKey, (key) => {
      replace(drafts()?.get(key) ?? "");
      if (mayTakeFocus(area)) area.focus();
    }),
  );
  // Measured once the mirror shows the new text (a suggestion that wraps onto a new line grows the
  // box, so it is not clipped), at most once a frame: measuring in the keystroke itself would force
  // a layout of the page on every key.
  let fitting = 0;
  const fitNextFrame = () => (fitting ||= requestAnimationFrame(() => ((fitting = 0), fit())));
  onCleanup(() => cancelAnimationFrame(fitting));
  createEffect(on([text, ghostText], fitNextFrame, { defer: true }));

  return (
    <form class="composer" classList={{ "can-attach": !!queue() }} onSubmit={(e) => (e.preventDefault(), send())}>
      <Show when={queue()}>
        {(q) => (
          <>
            <UploadChips queue={q()} />
            <AttachButton label={`Attach files to ${props.label ? "the reply" : props.roomName}`} onFiles={attach} />
          </>
        )}
      </Show>
      <div class="composer-field">
        <div ref={mirror} class="ghost-mirror" aria-hidden="true">
          <span class="ghost-typed">{text()}</span>
          <span class="ghost-text">{ghostText()}</span>
          {/* Renders a last empty line after a trailing newline, as the textarea does. */}
          {"\u200b"}
        </div>
        <textarea
          ref={area}
          rows="1"
          aria-label={label()}
          aria-describedby={hintId}
          aria-autocomplete={props.mentionCandidates ? "list" : undefined}
          aria-controls={mention.open() ? mention.listboxId : undefined}
          aria-activedescendant={mention.activeId()}
          placeholder={label()}
          title={ghostText() ? `Suggestion from ${ghost()?.source || "the server"}` : undefined}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onKeyUp={trackCaret}
          onClick={trackCaret}
          onSelect={trackCaret}
          onScroll={syncMirror}
          onPaste={onPaste}
          onBlur={() => mention.dismiss()}
        />
        <MentionList picker={mention} />
      </div>
      <button type="submit" class="primary send-button" disabled={!canSend()}>
        Send
      </button>
      <p id={hintId} class="composer-hint" aria-live="polite">
        <Show
          when={error() ?? queue()?.notice()}
          fallback={
            mention.open() ? (
              "Mention: ↑↓ to choose, Enter or Tab to insert, Esc to close"
            ) : ghostText() ? (
              <span title={`Suggested by ${ghost()?.source}`}>Suggestion: Tab to accept, Ctrl+→ for one word, Esc to dismiss</span>
            ) : (
              "Enter to send, Shift+Enter for a new line"
            )
          }
        >
          {(message) => <span class="error">{message()}</span>}
        </Show>
      </p>
    </form>
  );
}
