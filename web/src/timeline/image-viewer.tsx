import { createUniqueId, onMount } from "solid-js";
import { Portal } from "solid-js/web";

/**
 * An attached image at full size over the page (a modal dialog in <body>, out of the virtualised
 * list): Esc, the close button or a click beside the image closes it, and the opener gets the
 * focus back (`onClose`). Tab stays on the close button, the dialog's only control.
 */
export function ImageViewer(props: { url: string; name: string; onClose: () => void }) {
  let close!: HTMLButtonElement;
  const titleId = createUniqueId();
  onMount(() => close.focus());
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape") props.onClose();
    else if (e.key !== "Tab") return;
    e.preventDefault();
    e.stopPropagation();
  }
  return (
    <Portal>
      <div
        class="lightbox"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
        onClick={(e) => e.target === e.currentTarget && props.onClose()}
      >
        <header class="lightbox-bar">
          <h2 id={titleId} class="lightbox-title">
            {props.name}
          </h2>
          <button ref={close} type="button" class="quiet" aria-label="Close image" onClick={() => props.onClose()}>
            <span aria-hidden="true">✕</span>
          </button>
        </header>
        <img class="lightbox-image" src={props.url} alt={props.name} />
      </div>
    </Portal>
  );
}
