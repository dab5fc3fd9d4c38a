import type { Message, RoomEvent } from "@parley/protocol";

/** What a client shows of one message, built only from the frames (and history pages) it received. */
export interface MessageView {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  body: string;
  deleted: boolean;
  edited: boolean;
  /** Users who reacted, per emoji. */
  reactions: Record<string, number>;
  /**
   * The highest seq whose effect this view already holds: a message frame holds its own creation, a
   * history page everything up to the subscription it backfills. Events at or below it are not applied
   * again.
   */
  stateSeq: number;
}

/** Every message a client received, by id. */
export type MessageViews = Record<string, MessageView>;

/** Takes a received message as the view's starting point (the first receipt wins: a second one is a duplicate). */
export function viewMessage(views: MessageViews, message: Message, stateSeq: number): void {
  if (views[message.id]) return;
  views[message.id] = {
    id: message.id,
    roomId: message.roomId,
    seq: message.seq,
    userId: message.user.id,
    body: message.body,
    deleted: message.deleted === true,
    edited: Boolean(message.editedAt),
    reactions: Object.fromEntries((message.reactions ?? []).map((r) => [r.emoji, r.count])),
    stateSeq,
  };
}

/**
 * Applies an event as a client would: an edit replaces the body, a deletion empties it and its
 * reactions (the server drops them with no event of their own), a reaction adds or takes one from
 * its emoji's count. Events about a message the client never received change nothing.
 */
export function applyEvent(views: MessageViews, event: RoomEvent): void {
  const view = views[event.message?.id ?? event.reaction?.messageId ?? ""];
  // Only the starting point's seq is skipped: a duplicate or late event is applied as it comes, so it shows.
  if (!view || event.seq <= view.stateSeq) return;
  if (event.kind === "message.edited") {
    view.body = event.message!.body;
    view.edited = true;
  } else if (event.kind === "message.deleted") {
    view.body = "";
    view.deleted = true;
    view.reactions = {};
  } else {
    const emoji = event.reaction!.emoji;
    const count = (view.reactions[emoji] ?? 0) + (event.kind === "reaction.added" ? 1 : -1);
    if (count === 0) delete view.reactions[emoji];
    else view.reactions[emoji] = count;
  }
}
