import { createContext, For, useContext, type ParentProps } from "solid-js";
import { BROADCAST_MENTIONS, mentionTokens } from "@parley/protocol/client";

/** The signed-in user's name, for telling mentions of them apart; none outside a chat. */
const MeContext = createContext<() => string | undefined>(() => undefined);

/** Gives the message bodies inside it the name whose mentions are "me". */
export function MentionsProvider(props: ParentProps<{ username: () => string | undefined }>) {
  // eslint-disable-next-line solid/reactivity -- the accessor itself is the context's value
  return <MeContext.Provider value={props.username}>{props.children}</MeContext.Provider>;
}

type Part = { text: string; mention?: "other" | "me" };

/** Text cut at its mentions (by protocol's mentionTokens, the server's rules); `@room`, `@here` and the user's own name are "me". */
export function mentionParts(text: string, me: string | undefined): Part[] {
  const mine = new Set<string>([...BROADCAST_MENTIONS, ...(me ? [me.toLowerCase()] : [])]);
  const parts: Part[] = [];
  let from = 0;
  for (const token of mentionTokens(text)) {
    if (token.start > from) parts.push({ text: text.slice(from, token.start) });
    parts.push({ text: text.slice(token.start, token.end), mention: mine.has(token.name.toLowerCase()) ? "me" : "other" });
    from = token.end;
  }
  if (from < text.length) parts.push({ text: text.slice(from) });
  return parts;
}

/** Text with its `@name`s as `span.mention` (and `mention-me` for the signed-in user, `@room` and `@here`). Nothing is parsed as HTML. */
export function MentionText(props: { text: string }) {
  const me = useContext(MeContext);
  return (
    <For each={mentionParts(props.text, me())}>
      {(part) =>
        part.mention ? (
          <span class="mention" classList={{ "mention-me": part.mention === "me" }}>
            {part.text}
          </span>
        ) : (
          part.text
        )
      }
    </For>
  );
}
