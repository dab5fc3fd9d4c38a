import type { Message, User } from "@parley/protocol";
import { NotMemberError, type Store } from "@parley/db";
import { uuidv7 } from "uuidv7";
import { ApiError, type Clock, notFound, TokenBuckets } from "@parley/common";
import { rateLimited } from "../auth/auth-service.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { roomIdParam } from "../rooms/room-id.ts";
import { LocalRoomWrites, type RoomWrites } from "./room-writes.ts";

/** Sending messages, the same way over HTTP and WebSocket: rate-limited, members only, idempotent. */
export class MessageService {
  private readonly buckets: TokenBuckets;

  constructor(
    private readonly store: Store,
    hub: RoomHub,
    private readonly clock: Clock,
    rate: { max: number; windowSeconds: number },
    /** Where sends are stored: on this worker unless the app routes them to the room's owner. */
    private readonly writes: RoomWrites = new LocalRoomWrites(store, hub),
  ) {
    this.buckets = TokenBuckets.perWindow(rate.max, rate.windowSeconds, clock);
  }

  /**
   * Stores and broadcasts a message. `knownMember` skips the membership query for a connection
   * subscribed to the room; the insert checks membership itself, so a user who left meanwhile
   * (on another worker, say) stores nothing and gets 403.
   */
  async send(user: User, roomId: string, body: string, clientId: string | null, knownMember = false): Promise<{ message: Message; created: boolean }> {
    roomId = roomIdParam(roomId);
    if (!knownMember) await this.requireMember(roomId, user.id);
    const decision = this.buckets.take(user.id);
    if (!decision.ok) throw rateLimited(decision, "messages");
    // UUIDv7: time-ordered, so new ids land at the right edge of the (room_id, id) index instead of at random pages.
    return this.writes.append({ id: uuidv7(), roomId, user, body, clientId, createdAt: new Date(this.clock.now()) }).catch((error: unknown) => {
      throw error instanceof NotMemberError ? new ApiError("forbidden", "join the room first") : error;
    });
  }

  /** 404 for a room that does not exist, 403 for one the user is not in. */
  async requireMember(roomId: string, userId: string): Promise<void> {
    roomIdParam(roomId);
    if (await this.store.isMember(roomId, userId)) return;
    if (!(await this.store.getRoom(roomId))) throw notFound("room");
    throw new ApiError("forbidden", "join the room first");
  }
}
