import { parseMentions } from "@parley/protocol/client";
import type { Message, User } from "@parley/protocol";

/**
 * Whether a message is addressed to the user, so its row stands out: the server listed them in its
 * `mentions`, or someone else said `@room` or `@here` (those stay in the body; the server does not
 * list everyone). A deleted message addresses no one any more.
 */
export function mentionsMe(message: Message, me: User): boolean {
  if (message.deleted) return false;
  if (message.mentions?.includes(me.id)) return true;
  return message.user.id !== me.id && parseMentions(message.body).broadcast !== undefined;
}
