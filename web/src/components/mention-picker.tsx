import { createEffect, createMemo, createSignal, createUniqueId, For, on, Show } from "solid-js";
import type { BroadcastMention, Member } from "@parley/protocol";
import { hueOf } from "../lib/format.ts";
import { insertMention, mentionOptions, mentionQueryAt, type MentionOption } from "../lib/mention-query.ts";

export interface MentionPickerOptions {
  /** The composer's text and caret. */
  text: () => string;
  caret: () => number;
  /** Who may be mentioned; read only while a mention is being typed (so a lazy loader starts then). */
  candidates: () => Member[];
  /** Puts the text with the picked mention in the box, the caret at `caret`. */
  insert: (text: string, caret: number) => void;
}

/** The keys the picker takes from the box while it is open (without Shift: Shift+Enter is still a new line). */
const PICKER_KEYS = new Set(["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"]);
const BROADCAST_HINT: Record<BroadcastMention, string> = { room: "Notify everyone in the room", here: "Notify everyone online now" };

/**
 * The mention picker's state and keys: open while the caret is in an `@word` that some member (or
 * `@room`, `@here`) answers. Esc closes it for that word; the draft stays as typed.
 */
export function createMentionPicker(options: MentionPickerOptions) {
  const id = createUniqueId();
  const query = createMemo(() => mentionQueryAt(options.text(), options.caret()));
  const [dismissedAt, setDismissedAt] = createSignal<number>();
  const [chosen, setActive] = createSignal(0);
  const shownQuery = () => {
    const q = query();
    return q && q.start !== dismissedAt() ? q : undefined;
  };
  const choices = createMemo((): MentionOption[] => {
    const q = shownQuery();
    return q ? mentionOptions(options.candidates(), q.query) : [];
  });
  const open = () => choices().length > 0;
  // Within the list even when it shrinks under the choice (someone went offline and sorted lower).
  const active = () => Math.min(chosen(), choices().length - 1);
  // A new word (or none) forgets the dismissal; a new query starts at the first choice. Memos, so
  // that only a changed value counts (the query object is new on every keystroke).
  const wordStart = createMemo(() => query()?.start);
  const typed = createMemo(() => shownQuery()?.query);
  createEffect(on(wordStart, () => setDismissedAt(undefined), { defer: true }));
  createEffect(on(typed, () => setActive(0)));

  function pick(index: number) {
    const q = shownQuery();
    const choice = choices()[index];
    if (!q || !choice) return;
    const next = insertMention(options.text(), q, choice.name);
    options.insert(next.text, next.caret);
  }
  const move = (by: number) => setActive((active() + by + choices().length) % choices().length);
  const dismiss = () => setDismissedAt(query()?.start);

  return {
    open,
    choices,
    active,
    setActive,
    pick,
    listboxId: id,
    optionId: (index: number) => `${id}-${index}`,
    /** The focused option, for the box's `aria-activedescendant`. */
    activeId: () => (open() ? `${id}-${active()}` : undefined),
    /** Closes it for the word being typed (Esc, or the box losing the focus). */
    dismiss,
    /** Handles a key of the box while open: ↑/↓ move, Enter/Tab insert, Esc closes. True when it took the key. */
    onKeyDown(e: KeyboardEvent): boolean {
      if (!open() || !PICKER_KEYS.has(e.key) || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return false;
      e.preventDefault();
      if (e.key === "ArrowDown") move(1);
      else if (e.key === "ArrowUp") move(-1);
      else if (e.key === "Escape") dismiss();
      else pick(active());
      return true;
    },
  };
}

export type MentionPicker = ReturnType<typeof createMentionPicker>;

/**
 * The listbox of a mention picker, above the box. The box keeps the focus (ARIA's combobox
 * pattern: it points at the active option with `aria-activedescendant`); a click picks without
 * taking the focus from it.
 */
export function MentionList(props: { picker: MentionPicker }) {
  return (
    <Show when={props.picker.open()}>
      <ul id={props.picker.listboxId} class="mention-picker" role="listbox" aria-label="Mention someone">
        <For each={props.picker.choices()}>
          {(choice, index) => (
            <li
              id={props.picker.optionId(index())}
              role="option"
              class="mention-option"
              aria-selected={index() === props.picker.active()}
              onMouseDown={(e) => e.preventDefault()}
              onPointerMove={() => props.picker.setActive(index())}
              onClick={() => props.picker.pick(index())}
            >
              <OptionContent choice={choice} />
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

/** How an option reads: a member's initial, name and whether online; `@room` and `@here` what they do. */
function OptionContent(props: { choice: MentionOption }) {
  const member = () => (props.choice.kind === "member" ? props.choice.member : undefined);
  return (
    <>
      <span class="avatar small" classList={{ broadcast: !member() }} aria-hidden="true" style={{ "--hue": hueOf(props.choice.name) }}>
        {member() ? props.choice.name.slice(0, 1).toUpperCase() : "@"}
      </span>
      <span class="mention-option-name">{member() ? props.choice.name : `@${props.choice.name}`}</span>
      <span class="mention-option-note">
        <Show when={member()} fallback={props.choice.kind === "broadcast" && BROADCAST_HINT[props.choice.name]}>
          {(m) => (
            <>
              <span class="online-dot" classList={{ offline: !m().online }} aria-hidden="true" />
              {m().online ? "online" : "offline"}
            </>
          )}
        </Show>
      </span>
    </>
  );
}
