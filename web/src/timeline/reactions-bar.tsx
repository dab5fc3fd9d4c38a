import { createSignal, For, Show } from "solid-js";
import type { Message } from "@parley/protocol";
import type { ReactionDetail } from "../transport/http-client.ts";

/** A message's reactions, our pending toggles, and where a click and a hover go. */
export interface ReactionsBarProps {
  message: Message;
  /** Our toggle of that emoji is on its way (its event has not come). */
  pending: (emoji: string) => boolean;
  onToggle: (emoji: string) => void;
  whoReacted: (message: Message) => Promise<ReactionDetail[]>;
}

/**
 * Who reacted, per message object: a message's reactions change only by replacing the object, so a
 * cached answer is never stale, and goes with the old object.
 */
const who = new WeakMap<Message, Promise<ReactionDetail[]>>();
function whoReacted(message: Message, load: ReactionsBarProps["whoReacted"]) {
  let answer = who.get(message);
  if (!answer) {
    answer = load(message);
    who.set(message, answer);
    answer.catch(() => who.delete(message));
  }
  return answer;
}

/** "👍 2: alice, bob", or without the names until they are known. */
export function reactionLabel(emoji: string, count: number, names?: readonly string[]) {
  const people = count === 1 ? "1 reaction" : `${count} reactions`;
  return names?.length ? `${emoji} ${people}: ${names.join(", ")}` : `${emoji} ${people}`;
}

/**
 * The reactions under a message: each emoji with its count, highlighted when one is ours; a click
 * toggles ours. Hovering or focusing one asks who reacted (once per state of the message) and names them.
 */
export function ReactionsBar(props: ReactionsBarProps) {
  const [names, setNames] = createSignal<ReadonlyMap<string, string[]>>(new Map());
  const learn = () => {
    const message = props.message;
    whoReacted(message, props.whoReacted)
      // eslint-disable-next-line solid/reactivity -- the answer is used only if the message shown is still the one asked about
      .then((details) => message === props.message && setNames(new Map(details.map((d) => [d.emoji, d.users.map((u) => u.username)]))))
      .catch(() => {});
  };

  return (
    <Show when={props.message.reactions?.length}>
      <div class="reactions" role="group" aria-label="Reactions">
        <For each={props.message.reactions}>
          {(r) => {
            const label = () => reactionLabel(r.emoji, r.count, names().get(r.emoji));
            return (
              <button
                type="button"
                class="reaction"
                classList={{ mine: r.me, pending: props.pending(r.emoji) }}
                aria-pressed={r.me}
                aria-busy={props.pending(r.emoji)}
                aria-label={label()}
                title={label()}
                onPointerEnter={learn}
                onFocus={learn}
                onClick={() => props.onToggle(r.emoji)}
              >
                <span aria-hidden="true">{r.emoji}</span> <span class="reaction-count">{r.count}</span>
              </button>
            );
          }}
        </For>
      </div>
    </Show>
  );
}
