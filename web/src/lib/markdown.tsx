/**
 * Formatted message text: marked's token tree rendered to DOM nodes with Solid, never to an HTML
 * string. Only a chat's subset is formatted (bold, italic, strike, code, quotes, lists, links); the
 * rest (raw HTML, images, tables, rules) shows as typed. MessageBody loads this module lazily, as
 * its own chunk, so marked stays out of the main bundle.
 */
import { getDefaults, Lexer, Tokenizer, type MarkedToken, type Token, type Tokens } from "marked";
import type { JSX } from "solid-js";
import { ExternalLink, LinkedText } from "../components/linked-text.tsx";
import { webLink } from "./linkify.ts";

/** marked's own autolinking (`www.` names, e-mail addresses, its URL ends) is off: bare URLs link by linkify's rules, as in plain text. */
const tokenizer = new Tokenizer();
tokenizer.url = () => undefined;
/** GitHub-flavoured (strike, task items), and a single newline is a line break, as chat users expect. */
const OPTIONS = { ...getDefaults(), gfm: true, breaks: true, tokenizer };

/** A message body with its Markdown formatted: the lazily loaded counterpart of MessageBody's plain text. */
export function MarkdownBody(props: { text: string }) {
  return <div class="message-body formatted">{blocks(new Lexer(OPTIONS).lex(props.text))}</div>;
}

function blocks(tokens: Token[]): JSX.Element[] {
  return tokens.map((token) => block(token as MarkedToken));
}

function block(token: MarkedToken): JSX.Element {
  switch (token.type) {
    case "paragraph":
      return <p>{inline(token.tokens)}</p>;
    case "heading":
      // Chat is not a document: a heading is a bold paragraph.
      return (
        <p>
          <strong>{inline(token.tokens)}</strong>
        </p>
      );
    case "code":
      return codeBlock(token);
    case "blockquote":
      return <blockquote>{blocks(token.tokens)}</blockquote>;
    case "list":
      return list(token);
    case "text":
    case "checkbox":
      // A tight list item's text, and a task item's box: inline content at block level.
      return inlineToken(token, false);
    case "space":
      return null;
    default:
      // Raw HTML, tables, rules, link definitions: shown as typed.
      return (
        <p>
          <LinkedText text={token.raw} />
        </p>
      );
  }
}

function codeBlock(token: Tokens.Code): JSX.Element {
  const language = token.lang?.trim().split(/\s/, 1)[0];
  return (
    <div class="code-block">
      {language ? <div class="code-lang">{language}</div> : null}
      {/* Focusable, so a line wider than the row can be scrolled from the keyboard too. */}
      <pre tabIndex={0}>
        <code>{token.text}</code>
      </pre>
    </div>
  );
}

function list(token: Tokens.List): JSX.Element {
  const items = token.items.map((item) => <li>{blocks(item.tokens)}</li>);
  return token.ordered ? <ol start={token.start === "" ? undefined : token.start}>{items}</ol> : <ul>{items}</ul>;
}

/** Inline tokens as nodes; inside a link's text URLs stay text, as a link cannot hold a link. */
function inline(tokens: Token[] | undefined, inLink = false): JSX.Element[] {
  return (tokens ?? []).map((token) => inlineToken(token as MarkedToken, inLink));
}

function inlineToken(token: MarkedToken, inLink: boolean): JSX.Element {
  switch (token.type) {
    case "strong":
      return <strong>{inline(token.tokens, inLink)}</strong>;
    case "em":
      return <em>{inline(token.tokens, inLink)}</em>;
    case "del":
      return <s>{inline(token.tokens, inLink)}</s>;
    case "codespan":
      return <code>{token.text}</code>;
    case "br":
      return <br />;
    case "link":
      return inLink ? inline(token.tokens, true) : link(token);
    case "image":
      return image(token, inLink);
    case "text":
      return token.tokens ? inline(token.tokens, inLink) : plain(token.text, inLink);
    case "escape":
      return token.text;
    case "html":
      return plain(token.text, inLink);
    default:
      // A task item's box and anything newer than this code: shown as typed.
      return plain(token.raw, inLink);
  }
}

function plain(text: string, inLink: boolean): JSX.Element {
  return inLink ? text : <LinkedText text={text} />;
}

/**
 * A written link follows linkify's rules: only an http(s) URL without credentials becomes one, and
 * when its text is not the URL itself the real host follows it, so `[bank.com](https://evil.example)`
 * cannot pass for another site. Any other link stays text, as typed.
 */
function link(token: Tokens.Link): JSX.Element {
  const target = webLink(token.href);
  if (!target) return <LinkedText text={token.raw} />;
  if (token.text === token.href) return <ExternalLink href={target.href}>{target.text}</ExternalLink>;
  return (
    <ExternalLink href={target.href}>
      {inline(token.tokens, true)}
      <span class="link-host"> ({new URL(target.href).host})</span>
    </ExternalLink>
  );
}

/** No images in a chat row: the alt text, then the address as a bare URL would show. */
function image(token: Tokens.Image, inLink: boolean): JSX.Element {
  return token.text ? [token.text, " (", plain(token.href, inLink), ")"] : plain(token.href, inLink);
}
