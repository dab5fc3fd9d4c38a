import { createEffect, createSignal, createUniqueId, onCleanup } from "solid-js";

/**
 * A button that opens a popover (the notification menus, a member's actions): Esc or a press
 * outside closes it, Esc and an action giving the focus back to the button. The outside-press
 * listener lives only while it is open, so a list of a thousand menus holds none.
 */
export function createDisclosure(focusFirst: (root: HTMLElement) => void) {
  const id = createUniqueId();
  const [open, setOpen] = createSignal(false);
  let root: HTMLElement | undefined;
  let button: HTMLButtonElement | undefined;
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button?.focus();
  };
  const outside = (e: PointerEvent) => {
    if (root && !root.contains(e.target as Node)) close(false);
  };
  createEffect(() => {
    if (!open()) return;
    document.addEventListener("pointerdown", outside, true);
    onCleanup(() => document.removeEventListener("pointerdown", outside, true));
  });
  return {
    id,
    open,
    close,
    setRoot: (el: HTMLElement) => (root = el),
    setButton: (el: HTMLButtonElement) => (button = el),
    toggle() {
      setOpen(!open());
      if (open() && root) focusFirst(root);
    },
    onKeyDown(e: KeyboardEvent) {
      if (e.key !== "Escape" || !open()) return;
      e.preventDefault();
      e.stopPropagation();
      close(true);
    },
  };
}
