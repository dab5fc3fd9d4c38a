import { createSignal, For, Show } from "solid-js";
import type { Message } from "@parley/protocol";
import { QUICK_REACTIONS } from "./conversation.ts";
import { EmojiPicker } from "./emoji-picker.tsx";

/** The message, what we may do to it, and where each action goes. */
export interface MessageActionsProps {
  message: Message;
  canEdit: boolean;
  canDelete: boolean;
  /** The link "Copy link" copies. */
  link: string;
  onReact: (emoji: string) => void;
  onEdit: () => void;
  onDelete: () => void;
  /** Opens the message's thread: offered for a top-level message outside the thread panel. */
  onReplyInThread?: () => void;
  /** The picker opened or closed: the bar stays shown while it is open. */
  onPickerOpen: (open: boolean) => void;
}

/**
 * The bar a message shows on hover or when something in it has the focus: quick reactions, the
 * emoji picker, Reply in thread, Edit and Delete when allowed, and Copy link. Every action is a labelled button.
 */
export function MessageActions(props: MessageActionsProps) {
  const [picker, setPicker] = createSignal<HTMLElement>();
  const [copied, setCopied] = createSignal(false);
  const mine = (emoji: string) => props.message.reactions?.some((r) => r.emoji === emoji && r.me) ?? false;
  const openPicker = (anchor: HTMLElement) => {
    setPicker(picker() ? undefined : anchor);
    props.onPickerOpen(picker() !== undefined);
  };
  const closePicker = () => (setPicker(undefined), props.onPickerOpen(false));
  const copy = async () => {
    await navigator.clipboard.writeText(props.link);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return (
    <div class="message-actions" role="group" aria-label="Message actions">
      <For each={QUICK_REACTIONS}>
        {(emoji) => (
          <button
            type="button"
            aria-label={`React with ${emoji}`}
            title={`React with ${emoji}`}
            aria-pressed={mine(emoji)}
            onClick={() => props.onReact(emoji)}
          >
            {emoji}
          </button>
        )}
      </For>
      <button
        type="button"
        aria-label="Add reaction"
        title="Add reaction"
        aria-haspopup="dialog"
        aria-expanded={picker() !== undefined}
        onClick={(e) => openPicker(e.currentTarget)}
      >
        <span aria-hidden="true">☺+</span>
      </button>
      <Show when={props.onReplyInThread}>
        {(reply) => (
          <button type="button" aria-label="Reply in thread" title="Reply in thread" onClick={() => reply()()}>
            <span aria-hidden="true">💬</span>
          </button>
        )}
      </Show>
      <Show when={props.canEdit}>
        <button type="button" aria-label="Edit message" title="Edit" onClick={() => props.onEdit()}>
          <span aria-hidden="true">✎</span>
        </button>
      </Show>
      <Show when={props.canDelete}>
        <button type="button" class="danger" aria-label="Delete message" title="Delete" onClick={() => props.onDelete()}>
          <span aria-hidden="true">🗑</span>
        </button>
      </Show>
      <button
        type="button"
        aria-label={copied() ? "Link copied" : "Copy link to message"}
        title={copied() ? "Link copied" : "Copy link"}
        onClick={() => void copy().catch(() => {})}
      >
        <span aria-hidden="true">{copied() ? "✓" : "🔗"}</span>
      </button>
      <Show when={picker()}>{(anchor) => <EmojiPicker anchor={anchor()} onPick={(emoji) => props.onReact(emoji)} onClose={closePicker} />}</Show>
    </div>
  );
}
