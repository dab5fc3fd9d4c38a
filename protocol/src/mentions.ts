import { LIMITS } from "./limits.ts";

/**
 * `@username`, `@room` and `@here` in a message body, as the server reads them into `mentions`
 * and the UI highlights them. A mention starts the text or follows a character that cannot be part
 * of a name or an address (so `alice@example.com` names nobody), and takes the longest run of
 * username characters; a trailing `.` or `-` ends a sentence, not the name ("thanks @bob.").
 * Code spans and blocks are not skipped: the body is plain text to the server, and a name quoted in
 * code is still addressed to someone in practice (Slack and Zulip agree).
 */
const MENTION = /(^|[^a-zA-Z0-9_.@-])@([a-zA-Z0-9_.-]+)/g;

/** The two mentions of everyone: all members, or the members online when the message is sent. */
export const BROADCAST_MENTIONS = ["room", "here"] as const;
export type BroadcastMention = (typeof BROADCAST_MENTIONS)[number];

export interface MentionToken {
  /** The name as written, without `@` and trailing punctuation. */
  name: string;
  /** Where the `@` is, and where the name ends, in UTF-16 units of the body. */
  start: number;
  end: number;
}

/** Every mention in the body, in order, repeats included. */
export function mentionTokens(body: string): MentionToken[] {
  const tokens: MentionToken[] = [];
  for (const match of body.matchAll(MENTION)) {
    const name = match[2]!.replace(/[.-]+$/, "");
    if (name.length === 0 || name.length > LIMITS.usernameMax) continue;
    const start = match.index + match[1]!.length;
    tokens.push({ name, start, end: start + 1 + name.length });
  }
  return tokens;
}

/**
 * What a body addresses: the usernames (lower-cased, each once, at most LIMITS.mentionsMax) and
 * whether it says `@room` or `@here`. A user named "room" or "here" cannot be mentioned by name.
 */
export function parseMentions(body: string): { usernames: string[]; broadcast?: BroadcastMention } {
  const names = new Set<string>();
  let broadcast: BroadcastMention | undefined;
  for (const { name } of mentionTokens(body)) {
    const key = name.toLowerCase();
    if (key === "room") broadcast = "room";
    else if (key === "here") broadcast ??= "here";
    else if (names.size < LIMITS.mentionsMax) names.add(key);
  }
  return { usernames: [...names], ...(broadcast ? { broadcast } : {}) };
}
