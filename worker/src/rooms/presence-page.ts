import type { PresenceQuery, User } from "@parley/protocol";
import { ApiError } from "@parley/common";
import { compareUsers, sortUsers } from "../ports/presence.ts";

/** The place after `user` in the order of online lists (sortUsers): its name and id, opaque to clients. */
const cursorOf = (user: User) =>
  btoa(JSON.stringify([user.username, user.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function parseCursor(cursor: string): User {
  try {
    const [username, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as unknown[];
    if (typeof username === "string" && typeof id === "string") return { id, username };
  } catch {
    // falls through to the error
  }
  throw new ApiError("invalid_request", "cursor must be the next of a presence page");
}

/**
 * One page of an online list, sorted as every list is: `{online}` alone when it is the last page, so
 * a client that never pages (v1) sees today's answer for any room up to a page, plus `next` past it.
 */
export function presencePage(users: User[], query: PresenceQuery): { online: User[]; next?: string } {
  const sorted = sortUsers([...users]);
  let start = 0;
  if (query.cursor !== undefined) {
    const after = parseCursor(query.cursor);
    // The first user after the cursor's place (its own user may have gone offline since).
    start = sorted.findIndex((u) => compareUsers(u, after) > 0);
    if (start === -1) start = sorted.length;
  }
  const online = sorted.slice(start, start + query.limit);
  const more = start + query.limit < sorted.length;
  return more ? { online, next: cursorOf(online[online.length - 1]!) } : { online };
}
