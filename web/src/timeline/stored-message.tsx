import { createSignal, Show } from "solid-js";
import type { User } from "@parley/protocol";
import type { Timeline } from "../state/timeline-store.ts";
import { canDelete, canEdit, messageLink, type Conversation } from "./conversation.ts";
import { attachmentsOf } from "./attachment-list.tsx";
import { MessageActions } from "./message-actions.tsx";
import { MessageEditor } from "./message-editor.tsx";
import { MessageRow } from "./message-row.tsx";
import { mentionsMe } from "./mentions-me.ts";
import { ReactionsBar } from "./reactions-bar.tsx";
import { ThreadSummary } from "./thread-summary.tsx";
import type { MessageRowModel } from "./rows.ts";

/** A row of a stored message, who is looking, and what can be done to it. */
export interface StoredMessageProps {
  row: MessageRowModel;
  me: User;
  now: () => Date;
  /** Where our reaction toggles wait for their events (the room's timeline, in the thread panel too). */
  timeline: Pick<Timeline, "reactionPending">;
  /** What can be done to it; without one the message is only shown. */
  conversation?: Conversation;
  /** Its body is being edited. */
  editing: boolean;
  onEditing: (editing: boolean) => void;
  /** The message a search result opened. */
  found?: boolean;
}

/** Asks before deleting: it cannot be undone, and the body is gone from the server too. */
const confirmDelete = () => confirm("Delete this message? This cannot be undone.");

/**
 * A stored message: its row, with the actions bar, the reactions under it, the inline editor, and
 * its thread: a parent's reply count, or for a reply also sent to the room a link to its thread.
 * A deleted one is a tombstone with no actions. What an action changes shows when its event comes.
 */
export function StoredMessage(props: StoredMessageProps) {
  const [problem, setProblem] = createSignal<string>();
  const [pickerOpen, setPickerOpen] = createSignal(false);
  const message = () => props.row.message;
  const attempt = (work: Promise<void>) =>
    work.then(
      () => setProblem(undefined),
      (error: Error) => setProblem(error.message),
    );
  const react = (emoji: string) => {
    const conversation = props.conversation;
    if (conversation && !props.timeline.reactionPending(message().id, emoji)) void attempt(conversation.toggleReaction(message(), emoji));
  };
  const remove = () => confirmDelete() && void attempt(props.conversation!.remove(message()));
  /** Threads open from here (the timeline), not from the thread panel itself. */
  const threads = () => props.conversation?.openThread !== undefined;
  const openThread = (messageId: string) => props.conversation?.openThread?.(messageId);

  return (
    <MessageRow
      user={message().user}
      body={message().body}
      createdAt={message().createdAt}
      seq={message().seq}
      clientId={message().clientId}
      groupStart={props.row.groupStart}
      dayStart={props.row.dayStart}
      now={props.now}
      editedAt={message().editedAt}
      attachments={attachmentsOf(message())}
      deleted={message().deleted}
      active={pickerOpen()}
      mentioned={mentionsMe(message(), props.me)}
      found={props.found}
      interactive={!!props.conversation && !message().deleted}
      editor={
        props.editing && props.conversation && canEdit(message(), props.me)
          ? () => (
              <MessageEditor
                body={message().body}
                // eslint-disable-next-line solid/reactivity -- called on Enter, an event
                onSave={(body) => props.conversation!.edit(message(), body).then(() => props.onEditing(false))}
                onCancel={() => props.onEditing(false)}
              />
            )
          : undefined
      }
      footer={
        <>
          <Show when={!message().deleted}>
            <Show when={threads() && message().parentId}>
              {(parentId) => (
                <button type="button" class="link-button thread-link" onClick={() => openThread(parentId())}>
                  Replied in a thread
                </button>
              )}
            </Show>
            <ReactionsBar
              message={message()}
              pending={(emoji) => props.timeline.reactionPending(message().id, emoji)}
              onToggle={react}
              whoReacted={(m) => props.conversation?.whoReacted(m) ?? Promise.resolve([])}
            />
            <Show when={problem()}>
              <p class="send-status error" role="alert">
                {problem()}
              </p>
            </Show>
          </Show>
          {/* A deleted parent keeps its replies, and its thread still opens. */}
          <Show when={threads() && !message().parentId && message().replyCount}>
            {(count) => <ThreadSummary count={count()} lastReplyAt={message().lastReplyAt} now={props.now} onOpen={() => openThread(message().id)} />}
          </Show>
        </>
      }
      actions={
        <Show when={props.conversation && !message().deleted && !props.editing}>
          <MessageActions
            message={message()}
            canEdit={canEdit(message(), props.me)}
            canDelete={canDelete(message(), props.me, props.conversation!.moderates)}
            link={messageLink(message())}
            onReact={react}
            onEdit={() => props.onEditing(true)}
            onDelete={remove}
            onReplyInThread={threads() && !message().parentId ? () => openThread(message().id) : undefined}
            onPickerOpen={setPickerOpen}
          />
        </Show>
      }
    />
  );
}
