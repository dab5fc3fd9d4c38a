import { BROADCAST_MENTIONS, LIMITS, type BroadcastMention, type Member } from "@parley/protocol/client";

/** The `@word` the caret is in: where its `@` is, where the word ends, and what is typed of it before the caret. */
export interface MentionQuery {
  start: number;
  end: number;
  query: string;
}

/** One entry of the picker: a member, or `@room` / `@here`. */
export type MentionOption = { kind: "member"; name: string; member: Member } | { kind: "broadcast"; name: BroadcastMention };

const NAME_CHAR = /[a-zA-Z0-9_.-]/;
/** What may stand before an `@` that starts a mention: the same rule as protocol's mentionTokens (not `alice@example.com`). */
const BEFORE_MENTION = /[a-zA-Z0-9_.@-]/;
/** Members the picker lists at most; `@room` and `@here` come after them. */
export const MEMBER_OPTIONS_MAX = 8;

/**
 * The mention being typed at `caret`, if any: an `@` that starts a mention by the server's rules,
 * then name characters up to the caret (none yet is a query too, as in Slack). The word runs on
 * past the caret, so picking a name replaces all of it.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | undefined {
  // The caret may be read a moment before the text it belongs to.
  if (caret > text.length) return undefined;
  let at = caret;
  while (at > 0 && NAME_CHAR.test(text[at - 1]!)) at--;
  if (text[at - 1] !== "@") return undefined;
  const start = at - 1;
  if (start > 0 && BEFORE_MENTION.test(text[start - 1]!)) return undefined;
  const query = text.slice(at, caret);
  if (query.length > LIMITS.usernameMax) return undefined;
  let end = caret;
  while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
  return { start, end, query };
}

/** The text with the typed word replaced by `@name ` (one space, not two), and where the caret goes: after it. */
export function insertMention(text: string, at: MentionQuery, name: string): { text: string; caret: number } {
  const rest = text.slice(at.end);
  const inserted = `@${name}${/^\s/.test(rest) ? "" : " "}`;
  return { text: text.slice(0, at.start) + inserted + rest, caret: at.start + inserted.length + (/^\s/.test(rest) ? 1 : 0) };
}

/**
 * Who answers a query: members whose username starts with it (ignoring case), online ones first,
 * then by name, at most MEMBER_OPTIONS_MAX; then `@room` and `@here` when they match too.
 */
export function mentionOptions(members: readonly Member[], query: string): MentionOption[] {
  const prefix = query.toLowerCase();
  const broadcast = new Set<string>(BROADCAST_MENTIONS);
  const matching = members
    // A member named "room" or "here" cannot be mentioned by name (protocol's parseMentions).
    .filter((m) => m.username.toLowerCase().startsWith(prefix) && !broadcast.has(m.username.toLowerCase()))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username))
    .slice(0, MEMBER_OPTIONS_MAX)
    .map((member): MentionOption => ({ kind: "member", name: member.username, member }));
  const broadcasts = BROADCAST_MENTIONS.filter((name) => name.startsWith(prefix)).map((name): MentionOption => ({ kind: "broadcast", name }));
  return [...matching, ...broadcasts];
}
