import { For, Show, type JSX } from "solid-js";
import { DIRECTORY_HREF, roomHref, type Route } from "../lib/hash-route.ts";
import { useChat } from "../state/app-context.tsx";

/** The rooms the user belongs to, with unread counts, and the way to the directory. */
export function RoomSidebar(props: {
  route: Route;
  onNavigate: () => void;
  footer?: JSX.Element;
  ref?: HTMLElement | ((el: HTMLElement) => void);
  /** The closed drawer on a phone: off-screen, so its links must take neither focus nor clicks. */
  inert?: boolean;
}) {
  const chat = useChat();
  const current = () => (props.route.view === "room" ? props.route.roomId : undefined);
  return (
    <nav ref={props.ref} class="sidebar" aria-label="Rooms" inert={props.inert || undefined}>
      <a class="nav-item browse" href={DIRECTORY_HREF} aria-current={props.route.view === "directory" ? "page" : undefined} onClick={() => props.onNavigate()}>
        <span aria-hidden="true">⌕</span> Browse rooms
      </a>
      <h2 class="sidebar-title">Your rooms</h2>
      <Show when={chat.rooms.loaded() && chat.rooms.joined().length === 0}>
        <p class="muted sidebar-empty">You have not joined any rooms yet.</p>
      </Show>
      <ul class="room-links">
        <For each={chat.rooms.joined()}>
          {(room) => {
            const unread = () => (room.id === current() ? 0 : chat.rooms.unread(room.id));
            const mentioned = () => (room.id === current() ? 0 : chat.mentions.count(room.id));
            return (
              <li>
                <a
                  class="nav-item"
                  classList={{ unread: unread() > 0, "muted-room": chat.notifications.room(room.id).muted }}
                  href={roomHref(room.id)}
                  aria-current={room.id === current() ? "page" : undefined}
                  onClick={() => props.onNavigate()}
                >
                  <span class="hash" aria-hidden="true">
                    #
                  </span>
                  <span class="room-link-name">{room.name}</span>
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
          }}
        </For>
      </ul>
      {props.footer}
    </nav>
  );
}
