import { createMemo, createSignal, For, onCleanup, Show } from "solid-js";

/** A joined room as the switcher lists it. */
export interface SwitcherRoom {
  id: string;
  name: string;
}

/** The rooms matching `query` (by name, any case): those with unread messages first, then in the sidebar's order. */
export function switcherChoices<R extends SwitcherRoom>(rooms: readonly R[], unread: (roomId: string) => number, query: string): R[] {
  const q = query.trim().replace(/^#/, "").toLowerCase();
  const matching = rooms.filter((r) => r.name.toLowerCase().includes(q));
  return [...matching.filter((r) => unread(r.id) > 0), ...matching.filter((r) => unread(r.id) === 0)];
}

/** The room `step` places from `current` in the sidebar's order (no wrap); from none, the first or the last. */
export function adjacentRoom(rooms: readonly SwitcherRoom[], current: string | undefined, step: 1 | -1): string | undefined {
  const at = rooms.findIndex((r) => r.id === current);
  if (at < 0) return (step > 0 ? rooms[0] : rooms.at(-1))?.id;
  return rooms[Math.min(rooms.length - 1, Math.max(0, at + step))]?.id;
}

const isSwitcherKey = (e: KeyboardEvent) => (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k";
const roomStep = (e: KeyboardEvent): 1 | -1 | undefined =>
  e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey ? (e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : undefined) : undefined;

/**
 * Keyboard room switching, as chat apps do it: Ctrl/Cmd+K opens a dialog that filters the joined
 * rooms as one types (↑/↓ choose, Enter opens, Esc closes and gives the focus back), and Alt+↑/↓
 * open the previous or next room of the sidebar from anywhere.
 */
export function QuickSwitcher(props: {
  rooms: readonly SwitcherRoom[];
  unread: (roomId: string) => number;
  current?: string;
  onOpen: (roomId: string) => void;
}) {
  const [open, setOpen] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const [chosen, setChosen] = createSignal(0);
  const choices = createMemo(() => switcherChoices(props.rooms, props.unread, query()));
  let returnTo: HTMLElement | undefined;
  let input!: HTMLInputElement;

  function show() {
    returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    setQuery("");
    setChosen(0);
    setOpen(true);
    input.focus();
  }
  function close(restoreFocus: boolean) {
    setOpen(false);
    if (restoreFocus && returnTo?.isConnected) returnTo.focus();
  }
  function choose(roomId: string | undefined) {
    if (!roomId) return;
    close(false);
    props.onOpen(roomId);
  }

  const onGlobalKey = (e: KeyboardEvent) => {
    if (isSwitcherKey(e)) {
      e.preventDefault();
      return open() ? close(true) : show();
    }
    const step = roomStep(e);
    if (step && !open()) {
      const next = adjacentRoom(props.rooms, props.current, step);
      e.preventDefault();
      if (next && next !== props.current) props.onOpen(next);
    }
  };
  document.addEventListener("keydown", onGlobalKey);
  onCleanup(() => document.removeEventListener("keydown", onGlobalKey));

  function onDialogKey(e: KeyboardEvent) {
    const count = choices().length;
    if (e.key === "Escape") close(true);
    else if (e.key === "ArrowDown" && count) setChosen((chosen() + 1) % count);
    else if (e.key === "ArrowUp" && count) setChosen((chosen() - 1 + count) % count);
    else if (e.key === "Enter") choose(choices()[chosen()]?.id);
    // The filter box is the dialog's only stop: Tab stays in it (the focus trap).
    else if (e.key !== "Tab") return;
    e.preventDefault();
    e.stopPropagation();
  }
  const optionId = (roomId: string) => `switcher-${roomId}`;

  return (
    <Show when={open()}>
      <div class="switcher-backdrop" aria-hidden="true" onClick={() => close(true)} />
      <div class="switcher" role="dialog" aria-modal="true" aria-labelledby="switcher-title" onKeyDown={onDialogKey}>
        <h2 id="switcher-title" class="switcher-title">
          Jump to a room
        </h2>
        <input
          ref={input}
          class="switcher-input"
          role="combobox"
          aria-label="Room name"
          aria-expanded="true"
          aria-controls="switcher-list"
          aria-autocomplete="list"
          aria-activedescendant={choices()[chosen()] ? optionId(choices()[chosen()]!.id) : undefined}
          placeholder="Type a room name"
          autocomplete="off"
          value={query()}
          onInput={(e) => (setQuery(e.currentTarget.value), setChosen(0))}
        />
        <ul id="switcher-list" class="switcher-list" role="listbox" aria-label="Your rooms">
          <For each={choices()}>
            {(room, i) => (
              <li
                id={optionId(room.id)}
                role="option"
                class="switcher-option"
                aria-selected={i() === chosen()}
                onMouseMove={() => setChosen(i())}
                onClick={() => choose(room.id)}
              >
                <span class="hash" aria-hidden="true">
                  #
                </span>
                <span class="room-link-name">{room.name}</span>
                <Show when={props.unread(room.id) > 0}>
                  <span class="badge">
                    {props.unread(room.id)}
                    <span class="visually-hidden"> unread</span>
                  </span>
                </Show>
              </li>
            )}
          </For>
        </ul>
        <Show when={choices().length === 0}>
          <p class="muted switcher-empty">{props.rooms.length ? "No room of yours matches." : "You have not joined any rooms yet."}</p>
        </Show>
      </div>
    </Show>
  );
}
