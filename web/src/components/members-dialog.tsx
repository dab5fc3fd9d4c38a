import { createSignal, For, onMount, Show } from "solid-js";
import type { User } from "@parley/protocol";
import { hueOf } from "../lib/format.ts";
import { isDm, roomLabel } from "../lib/room-label.ts";
import { roomPowers } from "../lib/room-powers.ts";
import { useApp, useChat } from "../state/app-context.tsx";
import type { RoomListing, RoomMember, RoomRole } from "../transport/http-client.ts";
import { MemberMenu, type MemberActions } from "./member-menu.tsx";
import { Modal } from "./modal.tsx";
import { UserPicker } from "./user-picker.tsx";

const ROLES: RoomRole[] = ["owner", "moderator", "member"];
/** How many people one "Invite people" adds at most. */
const INVITE_MAX = 20;

/**
 * A room's members with their roles (owner and moderator badges), and for owners and moderators
 * (and a server admin) each member's actions; "Invite people" adds some. Only what the user's role
 * allows is offered, and a refusal still shows the server's message.
 */
export function MembersDialog(props: { room: RoomListing; onClose: () => void }) {
  const chat = useChat();
  const { auth } = useApp();
  const [inviting, setInviting] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const me = () => auth.user()?.id;
  const powers = () => roomPowers(props.room, chat.access.admin());
  // People join without an event the list would hear: it is read afresh each time it opens.
  onMount(() => chat.members.reload(props.room.id));
  // The store's own members (kept by id), so a presence change does not make the rows anew.
  const members = () => chat.members.of(props.room.id);
  const onlineIds = () => new Set(chat.presence.online(props.room.id).map((u) => u.id));
  const label = () => roomLabel(props.room, me());
  const actionsFor = (m: RoomMember): MemberActions => {
    if (m.id === me()) return { roles: [], remove: false, ban: false };
    const p = powers();
    return { roles: p.roles ? ROLES.filter((r) => r !== (m.role ?? "member")) : [], remove: p.remove(m.role), ban: p.remove(m.role) };
  };
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const access = chat.access;
  /** A member's action, on a click: the room's id is read then. */
  function run(m: RoomMember, action: "role" | "remove" | "ban", role?: RoomRole) {
    const roomId = props.room.id;
    if (action === "role") return void act(() => access.setRole(roomId, m.id, role!));
    const sure =
      action === "ban"
        ? confirm(`Ban ${m.username} from ${label()}? They cannot join again until unbanned.`)
        : confirm(`Remove ${m.username} from ${label()}? They can be invited again.`);
    if (sure) void act(() => (action === "ban" ? access.ban(roomId, m.id) : access.removeMember(roomId, m.id)));
  }

  return (
    <Modal
      title={inviting() ? `Invite people to ${label()}` : isDm(props.room) ? `People in this conversation` : `Members of ${label()}`}
      onClose={() => props.onClose()}
    >
      <Show when={!inviting()} fallback={<InviteForm room={props.room} members={members()} onDone={() => setInviting(false)} />}>
        <Show when={powers().invite}>
          <button type="button" class="primary invite-button" onClick={() => setInviting(true)}>
            Invite people
          </button>
        </Show>
        <ul class="member-list" aria-label="Members">
          <For each={members()}>
            {(m) => (
              <li class="member-row">
                <span class="avatar small" aria-hidden="true" style={{ "--hue": hueOf(m.username) }}>
                  {m.username.slice(0, 1).toUpperCase()}
                </span>
                <span class="member-name">
                  {m.username}
                  {m.id === me() ? <span class="muted"> (you)</span> : null}
                </span>
                <Show when={m.role === "owner" || m.role === "moderator"}>
                  <span class="role-badge" classList={{ owner: m.role === "owner" }}>
                    {m.role}
                  </span>
                </Show>
                <span class="visually-hidden">{onlineIds().has(m.id) ? ", online" : ", offline"}</span>
                <Show when={onlineIds().has(m.id)}>
                  <span class="online-dot" aria-hidden="true" />
                </Show>
                <Show when={actionsFor(m).roles.length || actionsFor(m).remove}>
                  <MemberMenu
                    member={m}
                    actions={actionsFor(m)}
                    onRole={(role) => run(m, "role", role)}
                    onRemove={() => run(m, "remove")}
                    onBan={() => run(m, "ban")}
                  />
                </Show>
              </li>
            )}
          </For>
        </ul>
        <p class="form-error" role="alert">
          {error() ?? ""}
        </p>
      </Show>
    </Modal>
  );
}

/** "Invite people": pick some, Invite adds each (no pending state); what the server refused says why, per person. */
function InviteForm(props: { room: RoomListing; members: RoomMember[]; onDone: () => void }) {
  const chat = useChat();
  const { auth } = useApp();
  const [people, setPeople] = createSignal<User[]>([]);
  const [errors, setErrors] = createSignal<string[]>([]);
  const [busy, setBusy] = createSignal(false);
  async function invite(e: SubmitEvent) {
    e.preventDefault();
    if (!people().length || busy()) return;
    setBusy(true);
    const failed: User[] = [];
    const messages: string[] = [];
    for (const user of people()) {
      try {
        await chat.access.invite(props.room.id, user.id);
      } catch (failure) {
        failed.push(user);
        messages.push(`${user.username}: ${(failure as Error).message}`);
      }
    }
    setBusy(false);
    setPeople(failed);
    setErrors(messages);
    if (!failed.length) props.onDone();
  }
  return (
    <form class="modal-form" onSubmit={invite}>
      <UserPicker
        label="People to add"
        search={chat.access.findUsers}
        exclude={(u) => u.id === auth.user()?.id || props.members.some((m) => m.id === u.id)}
        selected={people()}
        onChange={setPeople}
        max={INVITE_MAX}
      />
      <div class="form-error" role="alert">
        <For each={errors()}>{(message) => <p>{message}</p>}</For>
      </div>
      <div class="modal-actions">
        <button type="button" class="quiet" onClick={() => props.onDone()}>
          Back
        </button>
        <button type="submit" class="primary" disabled={!people().length || busy()}>
          Invite
        </button>
      </div>
    </form>
  );
}
