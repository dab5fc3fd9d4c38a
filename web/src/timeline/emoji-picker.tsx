import { createSignal, onCleanup, onMount, Show } from "solid-js";
import { Portal } from "solid-js/web";

export interface EmojiPickerProps {
  /** The button that opened it: the picker sits beside it, and the focus goes back to it. */
  anchor: HTMLElement;
  onPick: (emoji: string) => void;
  onClose: () => void;
}

/** The picker's size (emoji-mart's default layout without the preview), to place it on screen. */
const WIDTH = 352;
const HEIGHT = 380;

/** Where the picker goes: under the anchor, or above it when the screen has no room below; kept on screen. */
function placeBeside(anchor: HTMLElement) {
  const box = anchor.getBoundingClientRect();
  const below = box.bottom + 4 + HEIGHT <= innerHeight;
  const top = below ? box.bottom + 4 : Math.max(4, box.top - 4 - HEIGHT);
  const left = Math.min(Math.max(4, box.right - WIDTH), Math.max(4, innerWidth - WIDTH - 4));
  return { top: `${top}px`, left: `${left}px` };
}

/**
 * emoji-mart's picker and its data, loaded the first time one opens (they are about 10 times the
 * rest of the UI, so they are chunks of their own). A web component: its styles live in its shadow
 * root, inline, which the page's CSP allows for styles.
 */
const loadPicker = () => Promise.all([import("emoji-mart"), import("@emoji-mart/data")]).then(([mart, data]) => ({ Picker: mart.Picker, data: data.default }));

/** A dialog with the full emoji picker; Esc or a click outside closes it, and the focus goes back to the anchor. */
export function EmojiPicker(props: EmojiPickerProps) {
  let host!: HTMLDivElement;
  const [failed, setFailed] = createSignal(false);
  const close = () => {
    props.onClose();
    props.anchor.focus();
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
    loadPicker()
      .then(({ Picker, data }) => {
        if (!live) return;
        const picker = new Picker({
          data,
          theme: "auto",
          autoFocus: true,
          previewPosition: "none",
          skinTonePosition: "search",
          onEmojiSelect: (emoji: { native: string }) => (props.onPick(emoji.native), close()),
          onClickOutside: (e: MouseEvent) => e.target !== props.anchor && !props.anchor.contains(e.target as Node) && props.onClose(),
        });
        host.append(picker as unknown as Node);
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
