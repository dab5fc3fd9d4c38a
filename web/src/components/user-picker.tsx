import { createSignal, createUniqueId, For, Show } from "solid-js";
import type { User } from "@parley/protocol";

export interface UserPickerProps {
  /** The text box's label ("Add people"). */
  label: string;
  /** Users whose name starts with the text typed (`GET /api/users?q=`). */
  search: (q: string) => Promise<User[]>;
  /** Who cannot be picked: the user, people in the room already. */
  exclude?: (user: User) => boolean;
  selected: User[];
  onChange: (users: User[]) => void;
  max: number;
}

const WAIT_MS = 150;

/**
 * A type-ahead picker of people: the chosen ones as chips (each a "Remove bob" button), then a text
 * box whose matches list under it, the combobox pattern (↑/↓ move, Enter or a click picks, Esc
 * closes the list, Backspace in the empty box takes the last chip back). Answers to a text
 * replaced meanwhile are dropped.
 */
export function UserPicker(props: UserPickerProps) {
  const id = createUniqueId();
  const [text, setText] = createSignal("");
  /** The latest answer, and the text it answers. */
  const [answer, setAnswer] = createSignal<{ q: string; users: User[] }>({ q: "", users: [] });
  const matches = () => answer().users;
  const [active, setActive] = createSignal(0);
  const [error, setError] = createSignal<string>();
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let input!: HTMLInputElement;
  const full = () => props.selected.length >= props.max;
  const choices = () => matches().filter((u) => !props.selected.some((s) => s.id === u.id) && !props.exclude?.(u));
  const open = () => choices().length > 0;

  function lookUp(q: string) {
    clearTimeout(timer);
    const ask = ++asked;
    if (!q.trim()) return setAnswer({ q: "", users: [] });
    timer = setTimeout(() => {
      props.search(q.trim()).then(
        (users) => ask === asked && (setAnswer({ q: q.trim(), users }), setActive(0), setError(undefined)),
        (e: Error) => ask === asked && setError(e.message),
      );
    }, WAIT_MS);
  }
  function pick(user: User | undefined) {
    if (!user || full()) return;
    props.onChange([...props.selected, user]);
    setText("");
    lookUp("");
    input.focus();
  }
  const drop = (user: User) => {
    props.onChange(props.selected.filter((u) => u.id !== user.id));
    input.focus();
  };
  function onKeyDown(e: KeyboardEvent) {
    const count = choices().length;
    if (e.key === "ArrowDown" && count) setActive((active() + 1) % count);
    else if (e.key === "ArrowUp" && count) setActive((active() - 1 + count) % count);
    else if (e.key === "Enter" && open()) pick(choices()[active()]);
    else if (e.key === "Escape" && open()) setAnswer({ q: text().trim(), users: [] });
    else if (e.key === "Backspace" && text() === "" && props.selected.length) return props.onChange(props.selected.slice(0, -1));
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
  const optionId = (user: User) => `${id}-${user.id}`;
  const hint = () => {
    if (full()) return `At most ${props.max}.`;
    if (error()) return error();
    const q = text().trim();
    return q && answer().q === q && !open() ? `No one else’s name starts with “${q}”.` : "";
  };

  return (
    <div class="user-picker">
      <Show when={props.selected.length}>
        <ul class="chips" aria-label="Chosen">
          <For each={props.selected}>
            {(user) => (
              <li class="chip">
                {user.username}
                <button type="button" class="chip-remove" aria-label={`Remove ${user.username}`} onClick={() => drop(user)}>
                  ✕
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <label for={`${id}-input`}>{props.label}</label>
      <input
        ref={input}
        id={`${id}-input`}
        role="combobox"
        aria-expanded={open()}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={open() ? optionId(choices()[active()]!) : undefined}
        aria-describedby={`${id}-hint`}
        autocomplete="off"
        autofocus
        placeholder="Type a username"
        disabled={full()}
        value={text()}
        onInput={(e) => (setText(e.currentTarget.value), lookUp(e.currentTarget.value))}
        onKeyDown={onKeyDown}
      />
      <p id={`${id}-hint`} class="muted picker-hint">
        {hint()}
      </p>
      <ul id={`${id}-list`} class="picker-list" role="listbox" aria-label="Matching people" hidden={!open()}>
        <For each={choices()}>
          {(user, i) => (
            <li
              id={optionId(user)}
              role="option"
              class="picker-option"
              aria-selected={i() === active()}
              onMouseMove={() => setActive(i())}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(user)}
            >
              {user.username}
            </li>
          )}
        </For>
      </ul>
    </div>
  );
}
