import { createEffect, createMemo, createSignal, on, onCleanup, onMount, Show, untrack } from "solid-js";
import { DIRECTORY_HREF } from "../lib/hash-route.ts";
import { roomLabel } from "../lib/room-label.ts";
import { roomPowers } from "../lib/room-powers.ts";
import { typingSentence } from "../lib/format.ts";
import { useApp, useAttachments, useChat } from "../state/app-context.tsx";
import { Composer } from "./composer.tsx";
import { RoomHeader } from "./room-header.tsx";
import { createFileDrop, DropTarget } from "./file-drop.tsx";
import { MessageList } from "../timeline/message-list.tsx";
import { PresencePanel } from "./presence-panel.tsx";
import { ThreadPanel } from "./thread-panel.tsx";
import { lastEditable, type Conversation } from "../timeline/conversation.ts";
import { withPresence } from "../state/members-store.ts";

export interface ChatRoomProps {
  roomId: string;
  /** The id of the message whose thread is open beside the timeline (from the address). */
  thread?: string;
  /** Opens a message's thread, or closes it (undefined): the address changes, and `thread` follows. */
  onThread: (messageId: string | undefined) => void;
  onLeft: () => void;
}

/** One open room (mounted per room): its timeline, who is online and typing, the composer, and an open thread. */
export function ChatRoom(props: ChatRoomProps) {
  const chat = useChat();
  const { auth } = useApp();
  // On a wide screen the online list shows beside the timeline until hidden; on a phone it opens over it.
  const [showPeople, setShowPeople] = createSignal(typeof matchMedia === "function" && matchMedia("(min-width: 760px)").matches);
  // Captured once, when the server's marker is first known here (the room list or the room's
  // `subscribed`, which may come after a reload opened the room): the "New messages" line stays
  // where it was when the room was opened, while reading the room moves the marker.
  const lastRead = createMemo<number | undefined>((held) => held ?? (chat.rooms.knowsRead(props.roomId) ? chat.rooms.lastRead(props.roomId) : undefined));
  const room = () => chat.rooms.joined().find((r) => r.id === props.roomId);
  const me = () => auth.user()!;
  const label = () => roomLabel(room() ?? { name: "" }, me().id);
  // The message whose body is being edited in the timeline; when that ends, the composer has the focus again.
  const [editing, setEditing] = createSignal<string>();
  let section!: HTMLElement;
  const focusComposer = () => section.querySelector<HTMLTextAreaElement>(".room-column > .composer textarea")?.focus();
  const changeEditing = (id: string | undefined) => {
    setEditing(id);
    if (id === undefined) focusComposer();
  };
  const editLast = () => {
    const last = lastEditable(chat.timeline.get(props.roomId)?.messages() ?? [], me());
    if (last) setEditing(last.id);
    return last !== undefined;
  };
  /** What rows can do; in the thread panel the same, but without a thread of their own. */
  const conversationOf = (threads: boolean): Conversation => ({
    get moderates() {
      const r = room();
      return r !== undefined && roomPowers(r, chat.access.admin()).settings;
    },
    edit: chat.edit,
    remove: chat.remove,
    toggleReaction: chat.toggleReaction,
    whoReacted: chat.whoReacted,
    // eslint-disable-next-line solid/reactivity -- called on a click
    openThread: threads ? (messageId) => props.onThread(messageId) : undefined,
  });
  const conversation = conversationOf(true);
  const inThread = conversationOf(false);
  const openThread = () => {
    const t = chat.thread.current();
    return t?.roomId === props.roomId ? t : undefined;
  };
  // The address says which thread is open (a reload reopens it); its parent shows at once from the timeline.
  createEffect(
    on(
      () => props.thread,
      (id) => {
        if (!id) return chat.thread.close();
        const parent = untrack(() =>
          chat.timeline
            .get(props.roomId)
            ?.messages()
            .find((m) => m.id === id),
        );
        void chat.thread.open(props.roomId, id, parent);
      },
    ),
  );
  onCleanup(() => chat.thread.close());
  const closeThread = () => {
    props.onThread(undefined);
    focusComposer();
  };
  const peopleShown = () => showPeople() && !openThread();
  // One panel beside the timeline at a time: asking for the online list closes the thread.
  const togglePeople = () => {
    if (openThread()) return (setShowPeople(true), props.onThread(undefined));
    setShowPeople(!showPeople());
  };

  onMount(() => void chat.open(props.roomId));
  // Files dropped on the timeline or the composer go to the room's composer.
  const uploads = useAttachments()?.uploads;
  const drop = createFileDrop((files) => uploads?.queue(props.roomId).add(files));
  const typing = () => typingSentence(chat.presence.typing(props.roomId));
  // The sentence stays while it fades out.
  let lastTyping = "";
  const typingShown = () => (lastTyping = typing() || lastTyping);
  const online = () => chat.presence.online(props.roomId);
  /** Who the composers offer after `@`: the room's members, online ones marked, without the user. */
  const mentionCandidates = () => withPresence(chat.members.of(props.roomId), online()).filter((m) => m.id !== me().id);

  return (
    <Show
      when={room()}
      fallback={
        <section class="empty-room">
          <Show
            when={chat.rooms.removal(props.roomId)}
            fallback={<p class="muted">{chat.rooms.loaded() ? "You are not a member of this room." : "Loading…"}</p>}
          >
            {(removal) => (
              <div class="removed-notice" role="status">
                <h1>{`You were ${removal().reason === "banned" ? "banned" : "removed"} from ${removal().label}`}</h1>
                <p class="muted">
                  {removal().reason === "banned" ? "You cannot join it again unless you are unbanned." : "Its messages are no longer yours to read."}
                </p>
                <a class="button-link" href={DIRECTORY_HREF}>
                  Browse rooms
                </a>
              </div>
            )}
          </Show>
        </section>
      }
    >
      {(r) => (
        <section ref={section} class="chat-room" aria-labelledby="room-title">
          <RoomHeader room={r()} peopleShown={peopleShown()} onTogglePeople={togglePeople} onLeft={props.onLeft} />
          <div class="room-main" classList={{ "thread-open": !!openThread() }}>
            <div class="room-column" {...(uploads ? drop.handlers : {})}>
              <DropTarget shown={drop.over()} label={`Drop files to send them to ${label()}`} />
              <div class="room-body" classList={{ "show-people": peopleShown() }}>
                <Show when={lastRead() !== undefined && chat.timeline.get(props.roomId)} keyed>
                  {(t) => (
                    <MessageList
                      timeline={t}
                      roomName={label()}
                      me={me()}
                      lastRead={lastRead() ?? 0}
                      onLoadOlder={() => chat.loadOlder(props.roomId)}
                      onLoadNewer={() => chat.loadNewer(props.roomId)}
                      onJumpToLatest={() => chat.jumpToLatest(props.roomId)}
                      onRetry={(id) => chat.retry(props.roomId, id)}
                      onDiscard={(id) => chat.discard(props.roomId, id)}
                      conversation={conversation}
                      editing={editing()}
                      onEditingChange={changeEditing}
                      focus={chat.found(props.roomId)}
                    />
                  )}
                </Show>
                <div id="room-presence">
                  <PresencePanel online={online()} count={chat.presence.count(props.roomId)} meId={me().id} />
                </div>
              </div>
              <p class="typing" aria-live="polite" classList={{ visible: typing() !== "" }}>
                {typingShown()}
              </p>
              <Composer
                roomId={props.roomId}
                roomName={label()}
                suggestions={chat.suggestions}
                onSend={(body, attachments) => chat.send(props.roomId, body, attachments)}
                onTyping={() => chat.typing(props.roomId)}
                onEditLast={editLast}
                mentionCandidates={mentionCandidates}
              />
            </div>
            <Show when={openThread()} keyed>
              {(t) => (
                <ThreadPanel
                  thread={t}
                  roomName={label()}
                  me={me()}
                  now={() => new Date()}
                  timeline={chat.timeline.ensure(props.roomId)}
                  conversation={inThread}
                  suggestions={chat.suggestions}
                  onSend={(body, alsoToRoom, attachments) => chat.thread.send(body, alsoToRoom, attachments)}
                  onTyping={() => chat.typing(props.roomId)}
                  onLoadOlder={() => void chat.thread.loadOlder()}
                  onReload={() => void chat.thread.reload()}
                  onRetry={(id) => chat.thread.retry(id)}
                  onDiscard={(id) => chat.thread.discard(id)}
                  onClose={closeThread}
                  mentionCandidates={mentionCandidates}
                />
              )}
            </Show>
          </div>
        </section>
      )}
    </Show>
  );
}
