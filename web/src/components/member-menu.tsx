import { For, Show } from "solid-js";
import { createDisclosure } from "../lib/disclosure.ts";
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
  const menu = createDisclosure((root) => root.querySelector<HTMLButtonElement>(".member-popover button")?.focus());
  const act = (run: () => void) => {
    menu.close(true);
    run();
  };
  const name = () => props.member.username;
  return (
    <div ref={menu.setRoot} class="member-menu" onKeyDown={menu.onKeyDown}>
      <button
        ref={menu.setButton}
        type="button"
        class="quiet member-menu-button"
        aria-expanded={menu.open()}
        aria-controls={menu.id}
        aria-label={`Actions for ${name()}`}
        onClick={menu.toggle}
      >
        ⋯
      </button>
      <div id={menu.id} class="member-popover" role="group" aria-label={`Actions for ${name()}`} hidden={!menu.open()}>
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
