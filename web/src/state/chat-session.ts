import { createSignal } from "solid-js";
import type { Message, ServerFrame } from "@parley/protocol";
import { parseRoute, roomHref } from "../lib/hash-route.ts";
import { shouldNotify } from "../lib/notify-policy.ts";
import { isDm, roomLabel } from "../lib/room-label.ts";
import { mentionsMe } from "../timeline/mentions-me.ts";
import { idsOf, type Attachment } from "../transport/file-transfer.ts";
import type { HttpClient, RoomListing, RoomVisibility } from "../transport/http-client.ts";
import { SocketClient, type SocketState, type WebSocketConstructor } from "../transport/socket-client.ts";
import type { AuthStore } from "./auth-store.ts";
import { createDesktopNotifier, type NotificationConstructor } from "./desktop-notifier.ts";
import { createMembersStore } from "./members-store.ts";
import { createMentionsStore } from "./mentions-store.ts";
import { createNotificationsStore } from "./notifications-store.ts";
import { createPresenceStore } from "./presence-store.ts";
import { createRoomAccess } from "./room-access.ts";
import { createRoomsStore } from "./rooms-store.ts";
import { describeSendError } from "./send-errors.ts";
import { createSuggestionsStore } from "./suggestions-store.ts";
import { createThreadSession } from "./thread-session.ts";
import { createTimelineStore } from "./timeline-store.ts";

const TYPING_EVERY_MS = 2500;
/** Messages per page of history. */
const PAGE = 50;
/** Messages shown above the first unread when a room opens there. */
const CONTEXT = 20;
/** How long a room's first history waits for its subscription to start (see `subscription`). */
const SUBSCRIBE_WAIT_MS = 3000;

export interface ChatSessionDeps {
  http: HttpClient;
  auth: AuthStore;
  WebSocket: WebSocketConstructor;
  wsUrl: string;
  storage: Storage;
  /** The browser's `Notification`, absent where it has none. */
  Notification?: NotificationConstructor;
}

/** Everything a signed-in user sees, joined over one socket: rooms, timelines, presence and suggestions. */
export function createChatSession({ http, auth, WebSocket, wsUrl, storage, Notification }: ChatSessionDeps) {
  const timeline = createTimelineStore();
  const presence = createPresenceStore();
  const rooms = createRoomsStore(http, storage, () => auth.user()?.id);
  const mentions = createMentionsStore(storage, () => auth.user()?.id, rooms.lastRead);
  const socket = new SocketClient({
    url: wsUrl,
    WebSocket,
    token: auth.token,
    afterSeq: timeline.lastSeq,
    userAfterSeq: mentions.afterSeq,
    beforeConnect: auth.ensureFresh,
  });
  const suggestions = createSuggestionsStore({ request: socket.suggest, storage });
  const members = createMembersStore((roomId) => http.members(roomId).then((r) => r.members));
  const notifications = createNotificationsStore(http);
  const desktop = createDesktopNotifier({
    Notification,
    storage,
    userId: () => auth.user()?.id,
    onOpen(roomId) {
      focus();
      location.hash = roomHref(roomId);
    },
  });
  const [status, setStatus] = createSignal<SocketState>(socket.state);
  const [activeRoom, setActiveRoom] = createSignal<string>();
  /** The message a search result opened: its timeline scrolls to it and marks it (`at` tells two jumps to it apart). */
  const [found, setFound] = createSignal<{ roomId: string; seq: number; at: number }>();
  const sendingTo = new Map<string, string>();
  const lastTyping = new Map<string, number>();
  const me = () => auth.user()?.id;
  /** Rooms whose subscription has started (a `subscribed` came), and who waits for one. */
  const subscribed = new Set<string>();
  const waiters = new Map<string, (() => void)[]>();
  /**
   * Resolves once the room's subscription has started, or after a while (no socket). History
   * loaded after it shows every event up to where the stream starts, so nothing is applied twice.
   */
  function subscription(roomId: string) {
    if (subscribed.has(roomId)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS);
      waiters.set(roomId, [...(waiters.get(roomId) ?? []), () => (clearTimeout(timer), resolve())]);
    });
  }

  /** The room is read when it is open, its window loaded (opening it reads it after) and the tab visible; our own message reads it anywhere. */
  const readIfShown = (roomId: string, mine = false) => {
    const shown = roomId === activeRoom() && timeline.get(roomId)?.loaded() === true && document.visibilityState !== "hidden";
    if (mine || shown) rooms.markRead(roomId);
  };

  const thread = createThreadSession({ http, socket, subscription, me });

  /** A message of another arrived (live, or replayed after a reconnect): a desktop notification if the settings want one. */
  function notifyOf(message: Message, mention: boolean) {
    const room = rooms.joined().find((r) => r.id === message.roomId);
    if (!room) return;
    const wanted = shouldNotify({
      room: notifications.room(room.id),
      userLevel: notifications.userLevel(),
      mention,
      dm: isDm(room),
      mine: message.user.id === me(),
      read: message.seq <= rooms.lastRead(room.id),
      deleted: message.deleted === true,
      hidden: document.visibilityState === "hidden",
    });
    if (wanted) desktop.show(message, isDm(room) ? undefined : roomLabel(room, me()));
  }

  function route(frame: ServerFrame) {
    thread.receive(frame);
    switch (frame.type) {
      case "subscribed":
        if (frame.limited) timeline.reset(frame.roomId);
        timeline.synced(frame.roomId, frame.lastSeq);
        rooms.synced(frame);
        mentions.synced(frame);
        subscribed.add(frame.roomId);
        waiters.get(frame.roomId)?.forEach((resolve) => resolve());
        waiters.delete(frame.roomId);
        presence.setOnline(frame.roomId, frame.online, frame.onlineCount);
        rooms.setOnlineCount(frame.roomId, presence.count(frame.roomId));
        return readIfShown(frame.roomId);
      case "message":
      case "ack": {
        const m = frame.message;
        timeline.add(m.roomId, [m]);
        presence.stoppedTyping(m.roomId, m.user.username);
        rooms.arrived(m);
        const user = auth.user();
        if (frame.type === "message" && user) notifyOf(m, mentionsMe(m, user));
        return readIfShown(m.roomId, m.user.id === me());
      }
      case "userSubscribed":
        return mentions.subscribed(frame.lastSeq);
      case "userEvent":
        if (frame.kind === "read" && frame.readSeq !== undefined) rooms.readElsewhere(frame.roomId, frame.readSeq);
        // A mention not heard before (the stream replays from the stored cursor) may notify, and is a moment to offer them.
        if (frame.kind === "mention" && frame.seq > (mentions.afterSeq() ?? -1)) {
          desktop.offer();
          if (frame.message) notifyOf(frame.message, true);
        }
        if (frame.seq > (mentions.afterSeq() ?? -1)) access.userEvent(frame);
        return mentions.received(frame);
      case "event":
        // Edits, deletions and reactions: applied to what is held, never counted as unread. The
        // access events (roles, removals, the room's settings) take their seq there and change the room.
        timeline.event(frame, me());
        return access.event(frame);
      case "presence":
        // parley.v2 sends the change and the count; a v1 server the whole list. Presence is not
        // membership (a tab opening or closing), so it shows in the online list, not the timeline.
        if (frame.online) presence.setOnline(frame.roomId, frame.online);
        else presence.changed(frame.roomId, frame.event, frame.user, frame.onlineCount ?? presence.count(frame.roomId));
        rooms.setOnlineCount(frame.roomId, presence.count(frame.roomId));
        return;
      case "typing":
        if (frame.user.id !== me()) presence.typed(frame.roomId, frame.user.username);
        return;
      case "unsubscribed":
        if (frame.reason === "left") forget(frame.roomId);
        return access.unsubscribed(frame.roomId, frame.reason);
      case "error": {
        const roomId = frame.clientId && sendingTo.get(frame.clientId);
        if (roomId) timeline.setStatus(roomId, frame.clientId!, "failed", describeSendError(frame));
        return suggestions.receive(frame);
      }
      case "suggestion":
        return suggestions.receive(frame);
    }
  }

  function forget(roomId: string) {
    if (thread.current()?.roomId === roomId) thread.close();
    subscribed.delete(roomId);
    socket.unsubscribe(roomId);
    rooms.removed(roomId);
    mentions.forget(roomId);
    notifications.forget(roomId);
    timeline.drop(roomId);
    presence.clear(roomId);
    members.forget(roomId);
  }
  /** Follows a room the user is now in (joined, made, invited to, a DM): its read state, settings and stream. */
  function enter(room: RoomListing) {
    mentions.listed(room);
    notifications.listed(room);
    socket.subscribe(room.id);
  }
  const access = createRoomAccess({ http, rooms, members, me, enter, forget });

  let stopAuth = () => {};
  const onOnline = () => socket.setOnline(true);
  // Coming back to the tab reads what arrived in the open room meanwhile.
  const onVisible = () => {
    const roomId = activeRoom();
    if (roomId && document.visibilityState !== "hidden") rooms.markRead(roomId);
  };
  const onOffline = () => socket.setOnline(false);

  return {
    timeline,
    thread,
    presence,
    rooms,
    mentions,
    notifications,
    desktop,
    suggestions,
    members,
    access,
    status,
    activeRoom,
    retryIn: () => Math.max(0, socket.retryAt - Date.now()),
    start() {
      socket.onState(setStatus);
      socket.onFrame(route);
      stopAuth = auth.onRefreshed(socket.authenticate);
      addEventListener("online", onOnline);
      addEventListener("offline", onOffline);
      addEventListener("focus", onVisible);
      document.addEventListener("visibilitychange", onVisible);
      mentions.load();
      void notifications.load().catch(() => {});
      void access.loadAdmin();
      socket.subscribeUser();
      if (navigator.onLine === false) socket.setOnline(false);
      else socket.connect();
      // The room in the address is subscribed at once, beside loading the room list: its first
      // history waits for the subscription (see `subscription`), and this keeps that wait off the
      // cold start's path. Dropped again if the list says the user is not in it.
      const shown = parseRoute(location.hash);
      if (shown.view === "room") socket.subscribe(shown.roomId);
      return rooms.load().then(() => {
        rooms.joined().forEach((r) => (mentions.listed(r), notifications.listed(r), socket.subscribe(r.id)));
        if (shown.view === "room" && !rooms.isMember(shown.roomId)) socket.unsubscribe(shown.roomId);
      });
    },
    stop() {
      stopAuth();
      removeEventListener("online", onOnline);
      removeEventListener("offline", onOffline);
      removeEventListener("focus", onVisible);
      document.removeEventListener("visibilitychange", onVisible);
      socket.disconnect();
    },
    reconnectNow: () => socket.setOnline(true),
    /**
     * Shows a room. The first time, it loads a window around the server's read marker (so a room
     * with many unread opens at the first of them), or the newest page in a room never read.
     */
    async open(roomId: string | undefined) {
      setActiveRoom(roomId);
      suggestions.cancel();
      if (!roomId) return;
      const t = timeline.ensure(roomId);
      // A jump (jumpTo) may be loading its own window already.
      if (!t.loaded() && !t.loadingOlder()) {
        await subscription(roomId);
        const lastRead = rooms.lastRead(roomId);
        await (lastRead > 0 ? this.loadAround(roomId, lastRead) : this.loadOlder(roomId));
      }
      if (activeRoom() === roomId && document.visibilityState !== "hidden") rooms.markRead(roomId);
    },
    /** The message of a search result in its room's timeline, or undefined for another room. */
    found: (roomId: string) => (found()?.roomId === roomId ? found() : undefined),
    /**
     * Shows a message in context (a search result): the timeline held is kept when it has the
     * message, otherwise replaced by a window around its seq; then the list scrolls to it.
     */
    async jumpTo(roomId: string, seq: number) {
      setFound({ roomId, seq, at: Date.now() });
      const t = timeline.ensure(roomId);
      if (t.messages().some((m) => m.seq === seq)) return;
      timeline.reset(roomId);
      timeline.setLoading(roomId, true);
      await subscription(roomId);
      await this.loadAround(roomId, seq);
    },
    async loadAround(roomId: string, seq: number) {
      timeline.setLoading(roomId, true);
      try {
        const [before, after] = await Promise.all([
          http.history(roomId, { beforeSeq: seq + 1, limit: CONTEXT }),
          http.history(roomId, { afterSeq: seq, limit: PAGE }),
        ]);
        timeline.around(roomId, before, after);
      } catch (error) {
        timeline.setLoading(roomId, false, (error as Error).message);
      }
    },
    async loadOlder(roomId: string) {
      const t = timeline.ensure(roomId);
      if (t.loadingOlder()) return;
      timeline.setLoading(roomId, true);
      try {
        const page = await http.history(roomId, { beforeSeq: t.loaded() ? t.messages()[0]?.seq : undefined, limit: PAGE });
        timeline.page(roomId, page.messages, page.hasMore);
      } catch (error) {
        timeline.setLoading(roomId, false, (error as Error).message);
      }
    },
    async loadNewer(roomId: string) {
      const t = timeline.ensure(roomId);
      const last = t.messages().at(-1)?.seq;
      if (t.loadingNewer() || !t.hasNewer() || last === undefined) return;
      timeline.setLoadingNewer(roomId, true);
      try {
        const page = await http.history(roomId, { afterSeq: last, limit: 100 });
        timeline.newer(roomId, page.messages, page.hasMore);
      } catch (error) {
        timeline.setLoadingNewer(roomId, false, (error as Error).message);
      }
    },
    /** Drops a window that does not reach the newest message and loads the newest page instead. */
    async jumpToLatest(roomId: string) {
      timeline.reset(roomId);
      await this.loadOlder(roomId);
    },
    /** Sends a message (optimistic until acknowledged), with the files uploaded for it. */
    send(roomId: string, body: string, attachments: readonly Attachment[] = []) {
      const clientId = crypto.randomUUID();
      sendingTo.set(clientId, roomId);
      timeline.addPending(roomId, clientId, body, attachments);
      socket.sendMessage(roomId, body, clientId, undefined, idsOf(attachments));
    },
    /** Resends a failed message with its original clientId, so it is stored at most once. */
    retry(roomId: string, clientId: string) {
      const p = timeline
        .get(roomId)
        ?.pending()
        .find((x) => x.clientId === clientId);
      if (!p) return;
      timeline.setStatus(roomId, clientId, "pending");
      socket.sendMessage(roomId, p.body, clientId, undefined, idsOf(p.attachments));
    },
    discard: (roomId: string, clientId: string) => timeline.discard(roomId, clientId),
    /** Edits our message. Resolves once the server stored it; the view changes with the `message.edited` event. */
    edit: (message: Message, body: string) => http.editMessage(message.roomId, message.id, body).then(() => {}),
    /** Deletes a message; the view shows the tombstone when the `message.deleted` event comes. */
    remove: (message: Message) => http.deleteMessage(message.roomId, message.id).then(() => {}),
    /**
     * Adds our reaction, or takes it back when we have it. The button shows it pending until the
     * reaction's event comes (the REST answer is not applied: the room's events are the ordered truth).
     */
    async toggleReaction(message: Message, emoji: string) {
      const mine = message.reactions?.some((r) => r.emoji === emoji && r.me) ?? false;
      timeline.wantReaction(message.roomId, message.id, emoji);
      try {
        const answer = await (mine ? http.removeReaction : http.addReaction)(message.roomId, message.id, emoji);
        // Nothing changed on the server (another tab did it first): no event is coming.
        const held =
          timeline
            .get(message.roomId)
            ?.messages()
            .find((m) => m.id === message.id) ?? thread.find(message.id);
        const shown = held?.reactions?.some((r) => r.emoji === emoji && r.me) ?? false;
        if (shown === answer.reactions.some((r) => r.emoji === emoji && r.me)) timeline.settleReaction(message.roomId, message.id, emoji);
      } catch (error) {
        timeline.settleReaction(message.roomId, message.id, emoji);
        throw error;
      }
    },
    /** Who reacted to a message, by emoji. */
    whoReacted: (message: Message) => http.reactions(message.roomId, message.id).then((answer) => answer.reactions),
    typing(roomId: string) {
      if (Date.now() - (lastTyping.get(roomId) ?? 0) < TYPING_EVERY_MS) return;
      lastTyping.set(roomId, Date.now());
      socket.typing(roomId);
    },
    async join(roomId: string) {
      const room = await rooms.join(roomId);
      enter(room);
      return room;
    },
    async create(name: string, topic: string, visibility?: RoomVisibility) {
      const room = await rooms.create(name, topic, visibility);
      socket.subscribe(room.id);
      return room;
    },
    /** Opens the DM with these people: made, or the one they already share. */
    async startDm(userIds: string[]) {
      const room = await rooms.startDm(userIds);
      enter(room);
      return room;
    },
    async leave(roomId: string) {
      await rooms.leave(roomId);
      forget(roomId);
    },
  };
}
export type ChatSession = ReturnType<typeof createChatSession>;
