import { createSignal, For, Show, type JSX } from "solid-js";
import { DIRECTORY_HREF, roomHref, type Route } from "../lib/hash-route.ts";
import { hueOf } from "../lib/format.ts";
import { isDm, otherMembers, roomLabel } from "../lib/room-label.ts";
import { useApp, useChat } from "../state/app-context.tsx";
import type { RoomListing } from "../transport/http-client.ts";
import { NewDmDialog } from "./new-dm-dialog.tsx";

/** The rooms the user belongs to, then their direct messages, with unread counts, and the way to the directory. */
export function RoomSidebar(props: {
  route: Route;
  onNavigate: () => void;
  /** Opens a room by its href (a DM just started). */
  onOpen?: (href: string) => void;
  footer?: JSX.Element;
  ref?: HTMLElement | ((el: HTMLElement) => void);
  /** The closed drawer on a phone: off-screen, so its links must take neither focus nor clicks. */
  inert?: boolean;
}) {
  const chat = useChat();
  const [composing, setComposing] = createSignal(false);
  const rooms = () => chat.rooms.joined().filter((r) => !isDm(r));
  const open = (roomId: string) => {
    setComposing(false);
    props.onNavigate();
    (props.onOpen ?? ((href) => (location.hash = href)))(roomHref(roomId));
  };
  return (
    <nav ref={props.ref} class="sidebar" aria-label="Rooms" inert={props.inert || undefined}>
      <a class="nav-item browse" href={DIRECTORY_HREF} aria-current={props.route.view === "directory" ? "page" : undefined} onClick={() => props.onNavigate()}>
        <span aria-hidden="true">⌕</span> Browse rooms
      </a>
      <h2 class="sidebar-title">Your rooms</h2>
      <Show when={chat.rooms.loaded() && rooms().length === 0}>
        <p class="muted sidebar-empty">You have not joined any rooms yet.</p>
      </Show>
      <ul class="room-links">
        <For each={rooms()}>{(room) => <SidebarLink room={room} route={props.route} onNavigate={props.onNavigate} />}</For>
      </ul>
      <div class="sidebar-heading">
        <h2 class="sidebar-title" id="dm-title">
          Direct messages
        </h2>
        <button type="button" class="quiet new-dm" aria-label="New message" title="New message" onClick={() => setComposing(true)}>
          <span aria-hidden="true">+</span>
        </button>
      </div>
      <ul class="room-links" aria-labelledby="dm-title">
        <For each={chat.rooms.dms()}>{(room) => <SidebarLink room={room} route={props.route} onNavigate={props.onNavigate} />}</For>
      </ul>
      <Show when={composing()}>
        <NewDmDialog onClose={() => setComposing(false)} onOpen={open} />
      </Show>
      {props.footer}
    </nav>
  );
}

/** One room or DM: its name (a lock when private), and its unread or mention badge. */
function SidebarLink(props: { room: RoomListing; route: Route; onNavigate: () => void }) {
  const chat = useChat();
  const { auth } = useApp();
  const current = () => props.route.view === "room" && props.route.roomId === props.room.id;
  const unread = () => (current() ? 0 : chat.rooms.unread(props.room.id));
  const mentioned = () => (current() ? 0 : chat.mentions.count(props.room.id));
  const label = () => roomLabel(props.room, auth.user()?.id);
  const first = () => otherMembers(props.room, auth.user()?.id)[0]?.username ?? "?";
  return (
    <li>
      <a
        class="nav-item"
        classList={{ unread: unread() > 0, "muted-room": chat.notifications.room(props.room.id).muted }}
        href={roomHref(props.room.id)}
        aria-current={current() ? "page" : undefined}
        onClick={() => props.onNavigate()}
      >
        <Show
          when={isDm(props.room)}
          fallback={
            <span class="hash" aria-hidden="true">
              {props.room.visibility === "private" ? "🔒" : "#"}
            </span>
          }
        >
          <span class="avatar tiny" aria-hidden="true" style={{ "--hue": hueOf(first()) }}>
            {first().slice(0, 1).toUpperCase()}
          </span>
        </Show>
        <span class="room-link-name">{isDm(props.room) ? label() : props.room.name}</span>
        <Show when={props.room.visibility === "private" && !isDm(props.room)}>
          <span class="visually-hidden">, private</span>
        </Show>
        <Show
          when={mentioned() > 0}
          fallback={
            <Show when={unread() > 0}>
              <span class="badge" aria-label={`${unread()} unread`}>
                {unread() > 99 ? "99+" : unread()}
              </span>
            </Show>
          }
        >
          <span class="badge mention-badge" aria-label={`${mentioned()} ${mentioned() === 1 ? "mention" : "mentions"}, ${unread()} unread`}>
            @{mentioned() > 99 ? "99+" : mentioned()}
          </span>
        </Show>
      </a>
    </li>
  );
}
