import { Show } from "solid-js";
import { dateTimeOf, dayLabel, timeOf } from "../lib/format.ts";

export interface ThreadSummaryProps {
  count: number;
  lastReplyAt?: string;
  /** Now, for "Today" and "Yesterday". */
  now: () => Date;
  onOpen: () => void;
}

/** "14:05" today, else "Yesterday 14:05" or "Monday, 30 November 14:05". */
export function lastReplyLabel(iso: string, now: Date) {
  const day = dayLabel(iso, now);
  return day === "Today" ? timeOf(iso) : `${day} ${timeOf(iso)}`;
}

/** Under a thread's parent: "3 replies · last reply 14:05", a button that opens the thread. */
export function ThreadSummary(props: ThreadSummaryProps) {
  const replies = () => (props.count === 1 ? "1 reply" : `${props.count} replies`);
  const last = () => (props.lastReplyAt ? lastReplyLabel(props.lastReplyAt, props.now()) : undefined);
  return (
    <button
      type="button"
      class="thread-summary"
      aria-label={`${replies()}${last() ? `, last reply ${last()}` : ""}: open the thread`}
      title={props.lastReplyAt ? `Last reply ${dateTimeOf(props.lastReplyAt)}` : undefined}
      onClick={() => props.onOpen()}
    >
      <span class="thread-count">{replies()}</span>
      <Show when={last()}>
        <span class="thread-last"> · last reply {last()}</span>
      </Show>
    </button>
  );
}
