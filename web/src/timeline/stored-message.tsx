import { createSignal, Show } from "solid-js";
import type { User } from "@parley/protocol";
import type { Timeline } from "../state/timeline-store.ts";
import { canDelete, canEdit, messageLink, type Conversation } from "./conversation.ts";
import { MessageActions } from "./message-actions.tsx";
import { MessageEditor } from "./message-editor.tsx";
import { MessageRow } from "./message-row.tsx";
import { mentionsMe } from "./mentions-me.ts";
import { ReactionsBar } from "./reactions-bar.tsx";
import type { MessageRowModel } from "./rows.ts";

/** A row of a stored message, who is looking, and what can be done to it. */
export interface StoredMessageProps {
  row: MessageRowModel;
  me: User;
  now: () => Date;
  timeline: Timeline;
  /** What can be done to it; without one the message is only shown. */
  conversation?: Conversation;
  /** Its body is being edited. */
  editing: boolean;
  onEditing: (editing: boolean) => void;
}

/** Asks before deleting: it cannot be undone, and the body is gone from the server too. */
const confirmDelete = () => confirm("Delete this message? This cannot be undone.");

/**
 * A stored message: its row, with the actions bar, the reactions under it, and the inline editor.
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
      deleted={message().deleted}
      active={pickerOpen()}
      mentioned={mentionsMe(message(), props.me)}
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
        <Show when={!message().deleted}>
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
      }
      actions={
        <Show when={props.conversation && !message().deleted && !props.editing}>
          <MessageActions
            message={message()}
            canEdit={canEdit(message(), props.me)}
            canDelete={canDelete(message(), props.me, props.conversation!.roomCreatedBy)}
            link={messageLink(message())}
            onReact={react}
            onEdit={() => props.onEditing(true)}
            onDelete={remove}
            onPickerOpen={setPickerOpen}
          />
        </Show>
      }
    />
  );
}
