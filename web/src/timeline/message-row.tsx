import { createSignal, Show, type JSX } from "solid-js";
import type { User } from "@parley/protocol";
import { MessageBody } from "../components/message-body.tsx";
import { clockOf, dateTimeOf, dayLabel, hueOf, timeOf } from "../lib/format.ts";
import type { PendingMessage } from "../state/timeline-store.ts";
import type { Attachment } from "../transport/file-transfer.ts";
import { AttachmentList } from "./attachment-list.tsx";

export interface MessageRowProps {
  user: User;
  body: string;
  createdAt: string;
  /** The first of a run by one author: show the avatar, name and time. */
  groupStart: boolean;
  /** The first message of its day: a day separator goes above it. */
  dayStart: boolean;
  /** Now, for "Today" and "Yesterday" (a signal that moves on at midnight). */
  now: () => Date;
  seq?: number;
  clientId?: string | null;
  pending?: PendingMessage;
  onRetry?: () => void;
  onDiscard?: () => void;
  /** When the body was last edited: "(edited)" follows it. */
  editedAt?: string | null;
  /** A tombstone: the body is gone, and a line says so. */
  deleted?: boolean;
  /** Its files, under the body (the editor changes the body only). */
  attachments?: readonly Attachment[];
  /** Shown instead of the body while it is being edited. */
  editor?: () => JSX.Element;
  /**
   * The hover bar of actions: made only while the row is hovered or holds the focus (or is
   * `active`), so the rows on screen do not each carry a bar of buttons. The row itself takes the
   * focus (Tab), and the bar's buttons follow it.
   */
  actions?: JSX.Element;
  /** Under the body: reactions, and what went wrong with an action. */
  footer?: JSX.Element;
  /** It has actions: the row takes the focus, so the keyboard reaches them. */
  interactive?: boolean;
  /** Keeps the actions bar shown without hover or focus (its picker is open). */
  active?: boolean;
  /** It mentions the signed-in user (or says `@room` / `@here`): the row stands out. */
  mentioned?: boolean;
  /** The message a search result opened: the row is marked while it is the one shown. */
  found?: boolean;
}

/** One message in the timeline, confirmed or still being sent, with its day separator when it opens a day. */
export function MessageRow(props: MessageRowProps) {
  const status = () => props.pending?.status;
  const [hovered, setHovered] = createSignal(false);
  const [focused, setFocused] = createSignal(false);
  const showActions = () => hovered() || focused() || !!props.active;
  return (
    <>
      <Show when={props.dayStart}>
        <div class="day-divider" role="separator" aria-label={dayLabel(props.createdAt, props.now())}>
          <span>{dayLabel(props.createdAt, props.now())}</span>
        </div>
      </Show>
      <article
        class="message"
        classList={{
          "group-start": props.groupStart,
          pending: status() === "pending",
          failed: status() === "failed",
          active: props.active,
          mentioned: props.mentioned,
          found: props.found,
        }}
        data-seq={props.seq}
        data-client-id={props.clientId ?? undefined}
        aria-label={`${props.user.username} at ${timeOf(props.createdAt)}${props.mentioned ? ", mentions you" : ""}`}
        tabindex={props.interactive ? 0 : undefined}
        onPointerEnter={() => setHovered(true)}
        onPointerLeave={() => setHovered(false)}
        onFocusIn={() => setFocused(true)}
        onFocusOut={(e) => setFocused(e.currentTarget.contains(e.relatedTarget as Node | null))}
      >
        <Show
          when={props.groupStart}
          fallback={
            <time class="hover-time" datetime={props.createdAt} title={dateTimeOf(props.createdAt)}>
              {clockOf(props.createdAt)}
            </time>
          }
        >
          <span class="avatar" aria-hidden="true" style={{ "--hue": hueOf(props.user.username) }}>
            {props.user.username.slice(0, 1).toUpperCase()}
          </span>
          <header class="message-meta">
            <span class="author">{props.user.username}</span>
            <time datetime={props.createdAt} title={dateTimeOf(props.createdAt)}>
              {timeOf(props.createdAt)}
            </time>
          </header>
        </Show>
        <Show
          when={!props.deleted}
          fallback={
            <p class="message-body deleted" data-deleted="">
              This message was deleted.
            </p>
          }
        >
          {/* An empty body is allowed with files: nothing is drawn for it. */}
          <Show when={props.editor} fallback={<Show when={props.body}>{(body) => <MessageBody text={body()} />}</Show>}>
            {(editor) => editor()()}
          </Show>
          <Show when={props.editedAt && !props.editor}>
            <span class="edited" title={`Edited ${dateTimeOf(props.editedAt!)}`}>
              (edited)
            </span>
          </Show>
          <AttachmentList attachments={props.attachments ?? []} />
        </Show>
        {/* Before the reactions: Tab from the row goes to its actions first. */}
        <Show when={showActions()}>{props.actions}</Show>
        {props.footer}
        <Show when={status() === "pending"}>
          <p class="send-status" title={`clientId ${props.clientId}`}>
            Sending…
          </p>
        </Show>
        <Show when={status() === "failed"}>
          <p class="send-status error" role="alert">
            Not sent: {props.pending?.error ?? "the server refused it"}{" "}
            <button type="button" class="link-button" onClick={() => props.onRetry?.()}>
              Retry
            </button>{" "}
            <button type="button" class="link-button" onClick={() => props.onDiscard?.()}>
              Discard
            </button>
          </p>
        </Show>
      </article>
    </>
  );
}
