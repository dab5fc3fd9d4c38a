import { For, type JSX } from "solid-js";
import { linkify } from "../lib/linkify.ts";
import { MentionText } from "./mention-text.tsx";

/** A link out of Parley: a new tab that gets no opener and no referrer, and no search-ranking credit for what users post. */
export function ExternalLink(props: { href: string; children: JSX.Element }) {
  return (
    <a href={props.href} target="_blank" rel="noopener noreferrer nofollow ugc">
      {props.children}
    </a>
  );
}

/** Text as text nodes, with its http(s) URLs made links by linkify's rules and its mentions marked. Nothing in it is parsed as HTML. */
export function LinkedText(props: { text: string }) {
  return (
    <For each={linkify(props.text)}>
      {(part) => (part.kind === "link" ? <ExternalLink href={part.href}>{part.text}</ExternalLink> : <MentionText text={part.text} />)}
    </For>
  );
}
