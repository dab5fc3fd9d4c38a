import { createUniqueId, onCleanup, onMount, type JSX } from "solid-js";
import { Portal } from "solid-js/web";

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/**
 * A modal dialog over the page, as the quick switcher is one: a backdrop, the focus moved in
 * (to `[autofocus]`, else the first field or button after the close button) and kept in (Tab wraps), Esc or a press on
 * the backdrop closes it, and the focus goes back to where it was when it opened. Drawn in the
 * page's body (a portal), whatever opened it.
 */
export function Modal(props: { title: string; onClose: () => void; children: JSX.Element; class?: string }) {
  const id = createUniqueId();
  const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  let dialog!: HTMLDivElement;
  const focusable = () => [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest("[hidden]"));
  onMount(() => (dialog.querySelector<HTMLElement>("[autofocus]") ?? focusable().find((el) => !el.matches(".modal-close")) ?? dialog).focus());
  onCleanup(() => {
    if (returnTo?.isConnected) returnTo.focus();
  });
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && !e.defaultPrevented) {
      e.preventDefault();
      e.stopPropagation();
      return props.onClose();
    }
    if (e.key !== "Tab") return;
    const all = focusable();
    const [first, last] = [all[0], all.at(-1)];
    if (!first || !last) return e.preventDefault();
    const wrapTo = e.shiftKey ? (document.activeElement === first ? last : undefined) : document.activeElement === last ? first : undefined;
    if (!wrapTo) return;
    e.preventDefault();
    wrapTo.focus();
  };
  // In the page's body: inside the phone's drawer (a transformed box) a fixed box would be placed in the drawer.
  return (
    <Portal>
      <div class="switcher-backdrop" aria-hidden="true" onClick={() => props.onClose()} />
      <div ref={dialog} class={`modal ${props.class ?? ""}`} role="dialog" aria-modal="true" aria-labelledby={id} tabIndex={-1} onKeyDown={onKeyDown}>
        <header class="modal-header">
          <h2 id={id}>{props.title}</h2>
          <button type="button" class="quiet modal-close" aria-label="Close" onClick={() => props.onClose()}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </Portal>
  );
}
