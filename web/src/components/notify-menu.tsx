import { createSignal, For, Show } from "solid-js";
import { createDisclosure } from "../lib/disclosure.ts";

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
  const [error, setError] = createSignal<string>();
  const menu = createDisclosure((root) => root.querySelector<HTMLInputElement>("input[type=radio]:checked")?.focus());
  const toggle = () => {
    setError(undefined);
    menu.toggle();
  };
  const id = menu.id;
  const open = menu.open;
  const apply = async (change: Promise<string | undefined>) => setError(await change);

  return (
    <div ref={menu.setRoot} class="notify-menu" onKeyDown={menu.onKeyDown}>
      <button ref={menu.setButton} type="button" class="quiet notify-button" aria-expanded={open()} aria-controls={id} title={props.label} onClick={toggle}>
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
