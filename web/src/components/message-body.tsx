import { For } from "solid-js";
import { linkify } from "../lib/linkify.ts";

/** Message text as text nodes, with http(s) links made clickable. Nothing in it is parsed as HTML. */
export function MessageBody(props: { text: string }) {
  return (
    <p class="message-body">
      <For each={linkify(props.text)}>
        {(part) =>
          part.kind === "link" ? (
            <a href={part.href} target="_blank" rel="noopener noreferrer nofollow ugc">
              {part.text}
            </a>
          ) : (
            part.text
          )
        }
      </For>
    </p>
  );
}
