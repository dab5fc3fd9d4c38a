import { createSignal, createUniqueId, For, onCleanup, Show } from "solid-js";

export interface NotifyChoice<T extends string> {
  value: T;
  label: string;
}

export interface NotifyMenuProps<T extends string> {
  /** The button's accessible name, and the popover's. */
  label: string;
  /** What the radio group asks. */
  legend: string;
  choices: NotifyChoice<T>[];
  value: T;
  /** Quiet (🔕) rather than 🔔 on the button. */
  quiet: boolean;
  /** Applies a choice; resolves with an error's message when it failed (the value then went back). */
  onChange: (value: T) => Promise<string | undefined>;
  /** The room's mute, when the menu has one. */
  muted?: boolean;
  onMute?: (muted: boolean) => Promise<string | undefined>;
}

/**
 * A bell button opening a small popover: a radio group of levels and, for a room, a mute switch.
 * Native radios and a checkbox in a fieldset, so the keyboard and screen readers know them; Esc or
 * a press outside closes it and gives the focus back to the button.
 */
export function NotifyMenu<T extends string>(props: NotifyMenuProps<T>) {
  const id = createUniqueId();
  const [open, setOpen] = createSignal(false);
  const [error, setError] = createSignal<string>();
  let root!: HTMLDivElement;
  let button!: HTMLButtonElement;
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.focus();
  };
  const outside = (e: PointerEvent) => {
    if (!root.contains(e.target as Node)) close(false);
  };
  document.addEventListener("pointerdown", outside, true);
  onCleanup(() => document.removeEventListener("pointerdown", outside, true));
  const toggle = () => {
    setError(undefined);
    setOpen(!open());
    if (open()) root.querySelector<HTMLInputElement>("input[type=radio]:checked")?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !open()) return;
    e.preventDefault();
    e.stopPropagation();
    close(true);
  };
  const apply = async (change: Promise<string | undefined>) => setError(await change);

  return (
    <div ref={root} class="notify-menu" onKeyDown={onKey}>
      <button ref={button} type="button" class="quiet notify-button" aria-expanded={open()} aria-controls={id} title={props.label} onClick={toggle}>
        <span aria-hidden="true">{props.quiet ? "🔕" : "🔔"}</span>
        <span class="visually-hidden">{props.label}</span>
      </button>
      <div id={id} class="notify-popover" role="group" aria-label={props.label} hidden={!open()}>
        <fieldset>
          <legend>{props.legend}</legend>
          <For each={props.choices}>
            {(choice) => (
              <label class="notify-choice">
                <input
                  type="radio"
                  name={id}
                  value={choice.value}
                  checked={props.value === choice.value}
                  onChange={() => void apply(props.onChange(choice.value))}
                />
                {choice.label}
              </label>
            )}
          </For>
        </fieldset>
        <Show when={props.onMute}>
          {(onMute) => (
            <label class="notify-choice notify-mute">
              <input type="checkbox" checked={props.muted === true} onChange={(e) => void apply(onMute()(e.currentTarget.checked))} />
              Mute this room
            </label>
          )}
        </Show>
        <Show when={error()}>
          <p class="error notify-error" role="alert">
            {error()}
          </p>
        </Show>
      </div>
    </div>
  );
}
