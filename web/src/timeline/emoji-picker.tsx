import { createSignal, onCleanup, onMount, Show } from "solid-js";
import { Portal } from "solid-js/web";

/** Where the picker opens, and what picking and closing do. */
export interface EmojiPickerProps {
  /** The button that opened it: the picker sits beside it, and the focus goes back to it. */
  anchor: HTMLElement;
  onPick: (emoji: string) => void;
  onClose: () => void;
}

/** The picker's size (emoji-picker-element's default layout), to place it on screen. */
const WIDTH = 344;
const HEIGHT = 400;

/** Where the picker goes: under the anchor, or above it when the screen has no room below; kept on screen. */
function placeBeside(anchor: HTMLElement) {
  const box = anchor.getBoundingClientRect();
  const below = box.bottom + 4 + HEIGHT <= innerHeight;
  const top = below ? box.bottom + 4 : Math.max(4, box.top - 4 - HEIGHT);
  const left = Math.min(Math.max(4, box.right - WIDTH), Math.max(4, innerWidth - WIDTH - 4));
  return { top: `${top}px`, left: `${left}px` };
}

/**
 * emoji-picker-element, loaded the first time a picker opens (a chunk of its own). A web component:
 * its styles live in its shadow root, which the page's CSP allows for styles. Its emoji data is a
 * file of ours (an asset with a hashed name, cached for good), fetched from the page's own origin
 * and kept by the picker in IndexedDB.
 */
const loadPicker = () =>
  Promise.all([import("emoji-picker-element/picker.js"), import("emoji-picker-element-data/en/emojibase/data.json?url")]).then(([picker, data]) => ({
    Picker: picker.default,
    dataSource: data.default,
  }));

/** A dialog with the full emoji picker; Esc or a press outside closes it, and the focus goes back to the anchor. */
export function EmojiPicker(props: EmojiPickerProps) {
  let host!: HTMLDivElement;
  const [failed, setFailed] = createSignal(false);
  const close = () => {
    // Read before closing: once closed, the picker's props are gone with it.
    const anchor = props.anchor;
    props.onClose();
    anchor.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    close();
  };

  onMount(() => {
    let live = true;
    onCleanup(() => (live = false));
    const outside = (e: PointerEvent) => {
      const path = e.composedPath();
      if (!path.includes(host) && !path.includes(props.anchor)) props.onClose();
    };
    document.addEventListener("pointerdown", outside, true);
    onCleanup(() => document.removeEventListener("pointerdown", outside, true));
    loadPicker()
      .then(({ Picker, dataSource }) => {
        if (!live) return;
        const picker = new Picker({ dataSource });
        picker.addEventListener("emoji-click", (e) => {
          if (e.detail.unicode) props.onPick(e.detail.unicode);
          close();
        });
        host.append(picker);
        // Its search box takes the focus once the picker has drawn it.
        requestAnimationFrame(() => picker.shadowRoot?.querySelector<HTMLInputElement>("input")?.focus());
      })
      .catch(() => live && setFailed(true));
  });

  return (
    <Portal>
      <div ref={host} class="emoji-picker" role="dialog" aria-label="Choose a reaction" style={placeBeside(props.anchor)} onKeyDown={onKey}>
        <Show when={failed()}>
          <p class="emoji-picker-error error" role="alert">
            The emoji picker could not load.{" "}
            <button type="button" class="link-button" onClick={close}>
              Close
            </button>
          </p>
        </Show>
      </div>
    </Portal>
  );
}
