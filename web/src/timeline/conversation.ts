import type { Message, User } from "@parley/protocol";
import type { ReactionDetail } from "../transport/http-client.ts";

/**
 * What a message row can do to a stored message: the chat session's edits, deletions and
 * reactions, behind an interface so the timeline renders (and is tested) without a server.
 * Each resolves once the server has done it; the view changes only with the room's events.
 */
export interface Conversation {
  /** The user owns or moderates the room, or runs the server (not in a DM): they may delete any message in it. */
  moderates?: boolean;
  edit(message: Message, body: string): Promise<void>;
  remove(message: Message): Promise<void>;
  toggleReaction(message: Message, emoji: string): Promise<void>;
  whoReacted(message: Message): Promise<ReactionDetail[]>;
  /** Opens the thread of that message beside the timeline; without it (in the thread itself) rows offer no thread. */
  openThread?(parentId: string): void;
}

/** The reactions offered with one click, before the picker. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "👀"] as const;

/** Only the author edits a message, and not once it is deleted. */
export const canEdit = (message: Message, me: User) => !message.deleted && message.user.id === me.id;

/** The author deletes a message, and so do the room's owners and moderators (and a server admin). */
export const canDelete = (message: Message, me: User, moderates = false) => !message.deleted && (message.user.id === me.id || moderates);

/** The newest message of ours that can still be edited: what ↑ in an empty composer edits. */
export const lastEditable = (messages: readonly Message[], me: User) => messages.findLast((m) => canEdit(m, me));

/** A link to a message: its room's route with the message id (the room opens; it does not scroll there yet). */
export const messageLink = (message: Message, origin = location.origin) =>
  `${origin}/#/rooms/${encodeURIComponent(message.roomId)}?m=${encodeURIComponent(message.id)}`;
