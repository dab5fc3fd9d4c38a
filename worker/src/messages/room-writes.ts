import type { Appended, NewMessage, Store } from "@parley/db";
import type { RoomHub } from "../realtime/room-hub.ts";

export type { Appended };

/**
 * Where a send is stored: here (one worker, or workerd where a Durable Object owns the room), or
 * on the worker that owns the room (RoomWriteRouter). Either way the message reaches this
 * worker's subscribers and the other workers.
 */
export interface RoomWrites {
  /** Stores the message as Store.appendMessage does (NotMemberError included) and delivers it. */
  append(message: NewMessage): Promise<Appended>;
}

/**
 * Stores on this worker and publishes what it stored. Called synchronously up to the store's
 * batcher, so a connection's pipelined sends keep their order.
 */
export class LocalRoomWrites implements RoomWrites {
  constructor(
    private readonly store: Store,
    private readonly hub: RoomHub,
  ) {}

  async append(message: NewMessage): Promise<Appended> {
    const result = await this.store.appendMessage(message);
    if (result.created) this.hub.published(result.message, result.userEvents);
    return result;
  }
}
