import { createSignal, Show } from "solid-js";
import { confirmLeave } from "../lib/confirm-leave.ts";
import { isDm, roomLabel } from "../lib/room-label.ts";
import { roomPowers } from "../lib/room-powers.ts";
import { useApp, useChat } from "../state/app-context.tsx";
import type { RoomListing } from "../transport/http-client.ts";
import { MembersDialog } from "./members-dialog.tsx";
import { RoomNotifyMenu } from "./notify-settings.tsx";
import { RoomSettingsDialog } from "./room-settings-dialog.tsx";

/**
 * An open room's header: its name (a lock when private; a DM's participants), its topic, who is
 * online, its members and roles, its settings (owners and moderators), notifications, and Leave.
 */
export function RoomHeader(props: { room: RoomListing; peopleShown: boolean; onTogglePeople: () => void; onLeft: () => void }) {
  const chat = useChat();
  const { auth } = useApp();
  const [dialog, setDialog] = createSignal<"members" | "settings">();
  const label = () => roomLabel(props.room, auth.user()?.id);
  const powers = () => roomPowers(props.room, chat.access.admin());
  const leave = () => confirmLeave(label()) && void chat.leave(props.room.id).then(props.onLeft);
  return (
    <header class="room-header">
      <div class="room-heading">
        <h1 id="room-title">
          <Show when={!isDm(props.room)} fallback={label()}>
            <Show when={props.room.visibility === "private"} fallback={`# ${props.room.name}`}>
              <span aria-hidden="true">🔒</span> {props.room.name}
              <span class="visually-hidden"> (private)</span>
            </Show>
          </Show>
        </h1>
        <Show when={isDm(props.room) ? "Direct message" : props.room.topic}>{(topic) => <p class="topic">{topic()}</p>}</Show>
      </div>
      <button type="button" class="people-toggle" aria-expanded={props.peopleShown} aria-controls="room-presence" onClick={() => props.onTogglePeople()}>
        <span class="online-dot" aria-hidden="true" /> {chat.presence.count(props.room.id)} online
      </button>
      <button
        type="button"
        class="quiet members-button"
        title="Members and roles"
        aria-label="Members"
        aria-haspopup="dialog"
        onClick={() => setDialog("members")}
      >
        <span aria-hidden="true">👥</span> <span class="members-label">Members</span>
      </button>
      <Show when={powers().settings}>
        <button
          type="button"
          class="quiet settings-button"
          title="Room settings"
          aria-label="Room settings"
          aria-haspopup="dialog"
          onClick={() => setDialog("settings")}
        >
          <span aria-hidden="true">⚙</span>
        </button>
      </Show>
      <RoomNotifyMenu roomId={props.room.id} roomName={label()} />
      <button type="button" class="quiet" onClick={leave}>
        Leave
      </button>
      <Show when={dialog() === "members"}>
        <MembersDialog room={props.room} onClose={() => setDialog()} />
      </Show>
      <Show when={dialog() === "settings"}>
        <RoomSettingsDialog room={props.room} onClose={() => setDialog()} />
      </Show>
    </header>
  );
}
