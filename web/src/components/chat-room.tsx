import { createSignal, onMount, Show, untrack } from "solid-js";
import { confirmLeave } from "../lib/confirm-leave.ts";
import { typingSentence } from "../lib/format.ts";
import { useApp, useChat } from "../state/app-context.tsx";
import { Composer } from "./composer.tsx";
import { MessageList } from "../timeline/message-list.tsx";
import { PresencePanel } from "./presence-panel.tsx";
import { lastEditable, type Conversation } from "../timeline/conversation.ts";
import { withPresence } from "../state/members-store.ts";

/** One open room (mounted per room): its timeline, who is online and typing, and the composer. */
export function ChatRoom(props: { roomId: string; onLeft: () => void }) {
  const chat = useChat();
  const { auth } = useApp();
  // On a wide screen the online list shows beside the timeline until hidden; on a phone it opens over it.
  const [showPeople, setShowPeople] = createSignal(typeof matchMedia === "function" && matchMedia("(min-width: 760px)").matches);
  // Captured once: the "New messages" line stays where it was when the room was opened.
  const lastRead = untrack(() => chat.rooms.lastRead(props.roomId));
  const room = () => chat.rooms.joined().find((r) => r.id === props.roomId);
  const me = () => auth.user()!;
  // The message whose body is being edited in the timeline; when that ends, the composer has the focus again.
  const [editing, setEditing] = createSignal<string>();
  let section!: HTMLElement;
  const changeEditing = (id: string | undefined) => {
    setEditing(id);
    if (id === undefined) section.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
  };
  const editLast = () => {
    const last = lastEditable(chat.timeline.get(props.roomId)?.messages() ?? [], me());
    if (last) setEditing(last.id);
    return last !== undefined;
  };
  const conversation: Conversation = {
    get roomCreatedBy() {
      return room()?.createdBy;
    },
    edit: chat.edit,
    remove: chat.remove,
    toggleReaction: chat.toggleReaction,
    whoReacted: chat.whoReacted,
  };

  onMount(() => void chat.open(props.roomId));
  const typing = () => typingSentence(chat.presence.typing(props.roomId));
  // The sentence stays while it fades out.
  let lastTyping = "";
  const typingShown = () => (lastTyping = typing() || lastTyping);
  const online = () => chat.presence.online(props.roomId);

  return (
    <Show
      when={room()}
      fallback={
        <section class="empty-room">
          <p class="muted">{chat.rooms.loaded() ? "You are not a member of this room." : "Loading…"}</p>
        </section>
      }
    >
      {(r) => (
        <section ref={section} class="chat-room" aria-labelledby="room-title">
          <header class="room-header">
            <div class="room-heading">
              <h1 id="room-title"># {r().name}</h1>
              <Show when={r().topic}>
                <p class="topic">{r().topic}</p>
              </Show>
            </div>
            <button type="button" class="people-toggle" aria-expanded={showPeople()} aria-controls="room-presence" onClick={() => setShowPeople(!showPeople())}>
              <span class="online-dot" aria-hidden="true" /> {chat.presence.count(props.roomId)} online
            </button>
            <button type="button" class="quiet" onClick={() => confirmLeave(`#${r().name}`) && void chat.leave(props.roomId).then(props.onLeft)}>
              Leave
            </button>
          </header>
          <div class="room-body" classList={{ "show-people": showPeople() }}>
            <Show when={chat.timeline.get(props.roomId)} keyed>
              {(t) => (
                <MessageList
                  timeline={t}
                  roomName={`#${r().name}`}
                  me={me()}
                  lastRead={lastRead}
                  onLoadOlder={() => chat.loadOlder(props.roomId)}
                  onLoadNewer={() => chat.loadNewer(props.roomId)}
                  onJumpToLatest={() => chat.jumpToLatest(props.roomId)}
                  onRetry={(id) => chat.retry(props.roomId, id)}
                  onDiscard={(id) => chat.discard(props.roomId, id)}
                  conversation={conversation}
                  editing={editing()}
                  onEditingChange={changeEditing}
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
            roomName={`#${r().name}`}
            suggestions={chat.suggestions}
            onSend={(body) => chat.send(props.roomId, body)}
            onTyping={() => chat.typing(props.roomId)}
            onEditLast={editLast}
            mentionCandidates={() => withPresence(chat.members.of(props.roomId), online()).filter((m) => m.id !== me().id)}
          />
        </section>
      )}
    </Show>
  );
}
