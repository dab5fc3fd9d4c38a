import { createSignal, Show, type Component } from "solid-js";
import { LinkedText } from "./linked-text.tsx";

/**
 * Whether marked could format the text differently from plain: emphasis, strike, code, links,
 * escapes anywhere; headings, quotes, lists, setext and rule lines, indented code at a line's start.
 * A fast, loose check: a false alarm (`snake_case`, `[sic]`) only sends text without Markdown
 * through marked, which shows it as typed but for runs of blank lines.
 */
const MARKDOWN_SYNTAX = /[*_~`\\[]|^ {0,3}(?:[#>=+-]|\d{1,9}[.)](?:[ \t]|$))|^(?: {4}|\t)/m;

type Formatter = Component<{ text: string }>;
/** The formatter once its chunk is loaded: one signal, so every row waiting on it re-renders together. */
const [formatter, setFormatter] = createSignal<Formatter>();
let requested = false;

/** The formatter if loaded; the first call starts loading it (a failed load stays plain text, and the next row tries again). */
function loadedFormatter(): Formatter | undefined {
  if (!requested) {
    requested = true;
    import("../lib/markdown.tsx").then(
      (module) => setFormatter(() => module.MarkdownBody),
      () => (requested = false),
    );
  }
  return formatter();
}

function PlainBody(props: { text: string }) {
  return (
    <p class="message-body">
      <LinkedText text={props.text} />
    </p>
  );
}

/**
 * Message text, safely formatted: plain text with http(s) links at once, and text with Markdown
 * syntax formatted as soon as the Markdown chunk is loaded (plain until then). Nothing in it is
 * parsed as HTML.
 */
export function MessageBody(props: { text: string }) {
  const formatted = () => (MARKDOWN_SYNTAX.test(props.text) ? loadedFormatter() : undefined);
  return (
    <Show when={formatted()} keyed fallback={<PlainBody text={props.text} />}>
      {(Formatted) => <Formatted text={props.text} />}
    </Show>
  );
}
