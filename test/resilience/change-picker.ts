import type { ChaosClient } from "./chaos-client.ts";

/** Few emoji, so that several users often react with the same one to the same message. */
const EMOJI = ["👍", "🎉", "\u2764\uFE0F", "😂"];
/** Of the changes: the share of edits and of deletions; the rest toggle reactions. */
const EDITS = 0.35;
const DELETIONS = 0.15;
/** Reactions go to one of the room's newest messages, where the others react too. */
const NEWEST = 4;

/**
 * Makes one change a chat user would, in `roomId`: edits or deletes one of their own recent messages,
 * or toggles a reaction on one of the room's newest. Only messages the client received and has no
 * change of in flight qualify; with none, it does nothing.
 */
export function makeChange(client: ChaosClient, roomId: string): void {
  const live = Object.values(client.log.views)
    .filter((v) => v.roomId === roomId && !v.deleted && !client.changing(v.id))
    .sort((a, b) => b.seq - a.seq);
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];
  const roll = Math.random();
  if (roll < EDITS + DELETIONS) {
    const own = pick(live.filter((v) => v.userId === client.userId).slice(0, 5));
    if (!own) return;
    if (roll < EDITS) client.change(roomId, own.id, { type: "edit", body: `${own.body.split(" ~")[0]} ~ edited at ${Date.now()}` });
    else client.change(roomId, own.id, { type: "delete" });
    return;
  }
  const target = pick(live.slice(0, NEWEST));
  const emoji = pick(EMOJI)!;
  if (target) client.change(roomId, target.id, { type: "react", emoji, on: !client.hasReacted(target.id, emoji) });
}
