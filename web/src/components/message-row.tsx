import { Show } from "solid-js";
import type { User } from "@parley/protocol";
import { dateTimeOf, hueOf, timeOf } from "../lib/format.ts";
import type { PendingMessage } from "../state/timeline-store.ts";
import { MessageBody } from "./message-body.tsx";

export interface MessageRowProps {
  user: User;
  body: string;
  createdAt: string;
  /** The first of a run by one author: show the name and time. */
  groupStart: boolean;
  seq?: number;
  clientId?: string | null;
  pending?: PendingMessage;
  onRetry?: () => void;
  onDiscard?: () => void;
}

/** One message in the timeline, confirmed or still being sent. */
export function MessageRow(props: MessageRowProps) {
  const status = () => props.pending?.status;
  return (
    <article
      class="message"
      classList={{ "group-start": props.groupStart, pending: status() === "pending", failed: status() === "failed" }}
      data-seq={props.seq}
      data-client-id={props.clientId ?? undefined}
      aria-label={`${props.user.username} at ${timeOf(props.createdAt)}`}
    >
      <Show when={props.groupStart}>
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
      <MessageBody text={props.body} />
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
  );
}
