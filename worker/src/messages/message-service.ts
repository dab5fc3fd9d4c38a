import { isReactionEmoji, parseMentions, type Message, type ReactionSummary, type User } from "@parley/protocol";
import { AttachmentRefused, EventRefused, NoSuchParentError, NotMemberError, type MentionRequest, type MessageChange, type Store } from "@parley/db";
import { uuidv7 } from "uuidv7";
import { ApiError, type Clock, invalid, TokenBuckets } from "@parley/common";
import { rateLimited } from "../auth/auth-service.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { rankOf } from "../rooms/role-rules.ts";
import { RoomGate } from "../rooms/room-gate.ts";
import { messageIdParam, roomIdParam } from "../rooms/room-id.ts";
import { LocalRoomWrites, type RoomWrites } from "./room-writes.ts";

/** Sending messages, the same way over HTTP and WebSocket: rate-limited, members only, idempotent. */
export class MessageService {
  private readonly buckets: TokenBuckets;
  private readonly gate: RoomGate;

  constructor(
    private readonly store: Store,
    private readonly hub: RoomHub,
    private readonly clock: Clock,
    rate: { max: number; windowSeconds: number },
    /** Where sends are stored: on this worker unless the app routes them to the room's owner. */
    private readonly writes: RoomWrites = new LocalRoomWrites(store, hub),
    /** Called with the uploads a deletion removed, to delete their bytes. */
    private readonly filesRemoved: (uploadIds: string[]) => void = () => {},
  ) {
    this.buckets = TokenBuckets.perWindow(rate.max, rate.windowSeconds, clock);
    this.gate = new RoomGate(store);
  }

  /**
   * Stores and broadcasts a message. `knownMember` skips the membership query for a connection
   * subscribed to the room; the insert checks membership itself, so a user who left meanwhile
   * (on another worker, say) stores nothing and gets 403.
   */
  async send(
    user: User,
    roomId: string,
    body: string,
    clientId: string | null,
    knownMember = false,
    thread: { parentId?: string; alsoToRoom?: boolean; attachments?: string[] } = {},
  ): Promise<{ message: Message; created: boolean }> {
    roomId = roomIdParam(roomId);
    if (!knownMember) await this.requireMember(roomId, user.id);
    const decision = this.buckets.take(user.id);
    if (!decision.ok) throw rateLimited(decision, "messages");
    // UUIDv7: time-ordered, so new ids land at the right edge of the (room_id, id) index instead of at random pages.
    const reply = thread.parentId ? { parentId: thread.parentId, ...(thread.alsoToRoom ? { alsoToRoom: true } : {}) } : {};
    const { usernames, broadcast } = parseMentions(body);
    // Names and @room are resolved in the transaction that stores the message; @here after it (below).
    const addressed: MentionRequest | undefined =
      usernames.length > 0 || broadcast === "room" ? { usernames, ...(broadcast === "room" ? { broadcast } : {}) } : undefined;
    const files = thread.attachments?.length ? { attachments: thread.attachments } : {};
    const message = {
      id: uuidv7(),
      roomId,
      user,
      body,
      clientId,
      createdAt: new Date(this.clock.now()),
      ...reply,
      ...(addressed ? { addressed } : {}),
      ...files,
    };
    const appended = this.writes.append(message).catch((error: unknown) => {
      if (error instanceof NoSuchParentError) throw new ApiError("not_found", error.message);
      if (error instanceof AttachmentRefused) throw new ApiError("invalid_request", error.message);
      if (error instanceof NotMemberError) return this.refuseNonMember(roomId, user.id);
      throw error;
    });
    if (broadcast === "here")
      void appended.then(
        (result) => (result.created ? this.hub.mentionOnline(result.message) : undefined),
        () => {},
      );
    return appended;
  }

  /** Replaces the body of the user's own message; the edit is an event of the room's stream. */
  edit(user: User, roomId: string, messageId: string, body: string): Promise<Message> {
    const { usernames } = parseMentions(body);
    return this.change(roomId, messageId, user, () => this.store.editMessage({ roomId, messageId, user, body, at: new Date(this.clock.now()), usernames }));
  }

  /**
   * Deletes a message (the user's own; any for the room's owners and moderators, and for a server
   * admin in a room that is not a DM, member or not): a tombstone stays, the body is gone.
   */
  delete(user: User, roomId: string, messageId: string): Promise<Message> {
    return this.change(
      roomId,
      messageId,
      user,
      async () => {
        const change = await this.store.deleteMessage({ roomId, messageId, user, at: new Date(this.clock.now()) });
        if (change.removedUploads) this.filesRemoved(change.removedUploads);
        return change;
      },
      true,
    );
  }

  /** Adds (`on`) or takes back the user's reaction; answers the message's reactions as they are now. */
  async react(user: User, roomId: string, messageId: string, emoji: string, on: boolean): Promise<ReactionSummary[]> {
    if (!isReactionEmoji(emoji)) throw invalid("emoji must be exactly one emoji");
    let reactions: ReactionSummary[] = [];
    await this.change(roomId, messageId, user, async () => {
      const result = await this.store.react({ roomId, messageId, user, emoji, on, at: new Date(this.clock.now()) });
      reactions = result.reactions;
      return { event: result.event };
    });
    return reactions;
  }

  /**
   * Runs one edit, deletion or reaction: the ids checked, rate-limited like sends, the store's
   * refusals as API errors, and the event (when something changed) delivered on every worker.
   */
  private async change<R extends Partial<MessageChange>>(
    roomId: string,
    messageId: string,
    user: User,
    run: () => Promise<R>,
    moderating = false,
  ): Promise<NonNullable<R["message"]>> {
    roomId = roomIdParam(roomId);
    messageIdParam(messageId);
    // Visibility first: a private room's stranger hears "room not found" whatever the message id.
    const access = await this.gate.see(roomId, user.id, { moderating });
    if (!access.role && !(moderating && rankOf(access, access.room) !== "none")) throw new ApiError("forbidden", "join the room first");
    const decision = this.buckets.take(user.id);
    if (!decision.ok) throw rateLimited(decision, "messages");
    try {
      const result = await run();
      if (result.event) this.hub.published(result.event, "userEvents" in result ? result.userEvents : undefined);
      return result.message as NonNullable<R["message"]>;
    } catch (error) {
      if (error instanceof EventRefused) throw new ApiError(error.code, error.message);
      if (error instanceof NotMemberError) return this.refuseNonMember(roomId, user.id);
      throw error;
    }
  }

  /** 404 for a room that does not exist or that the user may not see (private, DM), 403 for a public one they are not in. */
  async requireMember(roomId: string, userId: string): Promise<void> {
    await this.gate.member(roomId, userId);
  }

  /** The store found the user no member (they left meanwhile): the error the gate gives them now. */
  private async refuseNonMember(roomId: string, userId: string): Promise<never> {
    await this.gate.member(roomId, userId);
    throw new ApiError("forbidden", "join the room first");
  }
}
