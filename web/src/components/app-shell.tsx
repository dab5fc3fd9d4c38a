import { createEffect, createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { createHashRoute, DIRECTORY_HREF, roomHref, threadHref } from "../lib/hash-route.ts";
import { roomLabel } from "../lib/room-label.ts";
import { showUnread } from "../lib/title-badge.ts";
import { useApp, useChat } from "../state/app-context.tsx";
import { ChatRoom } from "./chat-room.tsx";
import { ConnectionStatus } from "./connection-status.tsx";
import { NotifyPrompt } from "./notify-prompt.tsx";
import { DefaultNotifyMenu } from "./notify-settings.tsx";
import { QuickSwitcher } from "./quick-switcher.tsx";
import { RoomDirectory } from "./room-directory.tsx";
import { RoomSidebar } from "./room-sidebar.tsx";
import { SearchBox } from "./search-box.tsx";
import type { SearchResult } from "@parley/protocol";

/** Below this width the room list is a drawer (the `max-width: 760px` block of styles.css). */
const NARROW = "(max-width: 760px)";

/** Whether a media query matches, as a signal that follows it. */
function createMediaQuery(query: string) {
  const list = globalThis.matchMedia?.(query);
  const [matches, setMatches] = createSignal(list?.matches ?? false);
  const onChange = () => setMatches(list!.matches);
  list?.addEventListener("change", onChange);
  onCleanup(() => list?.removeEventListener("change", onChange));
  return matches;
}

/** The signed-in layout: top bar, the user's rooms, and the directory or an open room. */
export function AppShell() {
  const { auth, http } = useApp();
  const chat = useChat();
  const router = createHashRoute();
  onCleanup(router.dispose);
  const [navOpen, setNavOpen] = createSignal(false);
  const roomId = () => {
    const r = router.route();
    return r.view === "room" ? r.roomId : undefined;
  };
  const thread = () => {
    const r = router.route();
    return r.view === "room" ? r.thread : undefined;
  };
  const signOutEverywhere = async () => {
    if (!confirm("Sign out on every device, this one included?")) return;
    const problem = await auth.signOutEverywhere();
    if (problem) alert(problem);
  };
  const go = (href: string) => {
    setNavOpen(false);
    router.navigate(href);
  };
  /** A search result opens in its room, the timeline around it; a thread reply opens in its thread. */
  const openResult = ({ message, room }: SearchResult) => {
    if (message.parentId && !message.alsoToRoom) return go(threadHref(room.id, message.parentId));
    void chat.jumpTo(room.id, message.seq);
    go(roomHref(room.id));
  };
  const narrow = createMediaQuery(NARROW);
  let menuButton!: HTMLButtonElement;
  let sidebar!: HTMLElement;
  let main!: HTMLElement;
  /** The phone drawer: opening it moves the focus in; Esc closes it and gives the focus to the menu button. */
  const toggleNav = () => {
    setNavOpen(!navOpen());
    if (navOpen()) (sidebar.querySelector<HTMLElement>("[aria-current='page']") ?? sidebar.querySelector("a"))?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !navOpen()) return;
    setNavOpen(false);
    menuButton.focus();
  };
  document.addEventListener("keydown", onKeyDown);
  onCleanup(() => document.removeEventListener("keydown", onKeyDown));
  /** The skip link moves the focus, not the route (the hash router would read `#main` as one). */
  const skipToContent = (e: MouseEvent) => {
    e.preventDefault();
    main.focus();
  };

  const totalUnread = () => chat.rooms.joined().reduce((sum, r) => sum + chat.rooms.unread(r.id), 0);
  const label = (room: { name: string }) => roomLabel(room, auth.user()?.id);
  const shownRoom = () => chat.rooms.joined().find((r) => r.id === roomId());
  createEffect(() => {
    const room = shownRoom();
    showUnread(document, totalUnread(), room && label(room));
  });
  // The switcher lists DMs by their people, as the sidebar does.
  const switcherRooms = () => chat.rooms.joined().map((r) => ({ id: r.id, name: label(r).replace(/^#/, "") }));
  onCleanup(() => showUnread(document, 0));

  return (
    <div class="shell" classList={{ "nav-open": navOpen() }}>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header class="topbar">
        <button ref={menuButton} type="button" class="menu-button" aria-label="Rooms menu" aria-expanded={navOpen()} onClick={toggleNav}>
          ☰
        </button>
        <p class="brand">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>{" "}
          Parley
        </p>
        <SearchBox pages={(q, page) => http.search(q, page)} onOpen={openResult} />
        <ConnectionStatus state={chat.status()} retryIn={chat.retryIn} onRetry={chat.reconnectNow} />
        <label class="switch" title="Show AI suggestions as you type">
          <input type="checkbox" role="switch" checked={chat.suggestions.enabled()} onChange={(e) => chat.suggestions.setEnabled(e.currentTarget.checked)} />
          <span class="switch-long">AI suggestions</span>
          <span class="switch-short" aria-hidden="true">
            AI
          </span>
        </label>
        {/* On a phone the top bar has no room for it either: it is in the drawer (below). */}
        <div class="wide-only">
          <DefaultNotifyMenu />
        </div>
        <span class="whoami" title="Signed in">
          {auth.user()?.username}
        </span>
        <button type="button" class="quiet" onClick={() => auth.signOut()}>
          Sign out
        </button>
        <button type="button" class="quiet wide-only" title="End your sessions on every device" onClick={() => void signOutEverywhere()}>
          Sign out everywhere
        </button>
      </header>
      <RoomSidebar
        ref={sidebar}
        inert={narrow() && !navOpen()}
        route={router.route()}
        onNavigate={() => setNavOpen(false)}
        onOpen={go}
        footer={
          // On a phone the top bar has no room for these: they sit at the end of the drawer.
          <>
            <div class="narrow-only sidebar-action">
              <DefaultNotifyMenu />
            </div>
            <button type="button" class="quiet narrow-only sidebar-action" title="End your sessions on every device" onClick={() => void signOutEverywhere()}>
              Sign out everywhere
            </button>
          </>
        }
      />
      <main ref={main} id="main" class="content" tabIndex={-1}>
        <NotifyPrompt />
        <Switch>
          <Match when={roomId()} keyed>
            {(id) => (
              <ChatRoom
                roomId={id}
                thread={thread()}
                onThread={(messageId) => router.navigate(messageId ? threadHref(id, messageId) : roomHref(id))}
                onLeft={() => go(DIRECTORY_HREF)}
              />
            )}
          </Match>
          <Match when={!roomId()}>
            <RoomDirectory onOpen={go} />
          </Match>
        </Switch>
      </main>
      <Show when={navOpen()}>
        <div class="scrim" aria-hidden="true" onClick={() => setNavOpen(false)} />
      </Show>
      <QuickSwitcher rooms={switcherRooms()} unread={chat.rooms.unread} current={roomId()} onOpen={(id) => go(roomHref(id))} />
    </div>
  );
}
