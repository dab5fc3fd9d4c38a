import { createSignal, createUniqueId, For, onCleanup, Show } from "solid-js";
import type { RoomMember, RoomRole } from "../transport/http-client.ts";

export interface MemberActions {
  /** Roles the user may give this member (owners only), without the one they have. */
  roles: RoomRole[];
  remove: boolean;
  ban: boolean;
}

const ROLE_LABEL: Record<RoomRole, string> = { owner: "Make owner", moderator: "Make moderator", member: "Make member" };

/**
 * A member's actions, behind a "⋯" button (a disclosure, as the notification menus are): a line of
 * buttons under the member, Esc or a press outside closing it with the focus back on the button.
 * A refusal of the server shows in the members list.
 */
export function MemberMenu(props: { member: RoomMember; actions: MemberActions; onRole: (role: RoomRole) => void; onRemove: () => void; onBan: () => void }) {
  const id = createUniqueId();
  const [open, setOpen] = createSignal(false);
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
    setOpen(!open());
    if (open()) root.querySelector<HTMLButtonElement>(".member-popover button")?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !open()) return;
    e.preventDefault();
    e.stopPropagation();
    close(true);
  };
  const act = (run: () => void) => {
    close(true);
    run();
  };
  const name = () => props.member.username;
  return (
    <div ref={root} class="member-menu" onKeyDown={onKey}>
      <button
        ref={button}
        type="button"
        class="quiet member-menu-button"
        aria-expanded={open()}
        aria-controls={id}
        aria-label={`Actions for ${name()}`}
        onClick={toggle}
      >
        ⋯
      </button>
      <div id={id} class="member-popover" role="group" aria-label={`Actions for ${name()}`} hidden={!open()}>
        <For each={props.actions.roles}>
          {(role) => (
            <button type="button" onClick={() => act(() => props.onRole(role))}>
              {ROLE_LABEL[role]}
            </button>
          )}
        </For>
        <Show when={props.actions.remove}>
          <button type="button" onClick={() => act(props.onRemove)}>
            Remove from room
          </button>
        </Show>
        <Show when={props.actions.ban}>
          <button type="button" class="danger" onClick={() => act(props.onBan)}>
            Ban from room
          </button>
        </Show>
      </div>
    </div>
  );
}
