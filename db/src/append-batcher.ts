import type { Message } from "@parley/protocol";
import type { NewMessage } from "./store.ts";
import { addressesSomeone, type AddressedUserEvent } from "./user-events-store.ts";

/**
 * A stored message, whether this call stored it (false: it was there already, a repeated clientId
 * or id), and the mentions it stored with it, for the users' streams.
 */
export type Appended = { message: Message; created: boolean; userEvents?: AddressedUserEvent[] };

/** How a batcher writes: one message (idempotent, the reference path) or several to one room at once. */
export interface AppendWriter {
  /** Stores one message, or returns the stored one for a repeated clientId. */
  one(message: NewMessage): Promise<Appended>;
  /** Stores all of them in one statement with consecutive seqs in array order, or none; throws otherwise. */
  many(roomId: string, batch: NewMessage[]): Promise<Message[]>;
  /** True for an error one of the messages may have caused: the batch is then retried one by one. */
  isPerMessageError(error: unknown): boolean;
}

export interface AppendBatchOptions {
  /** Most messages per statement (1: one each, still one statement in flight per room). Default 100. */
  maxMessages?: number;
  /** Most body characters per statement (a batch holds at least one message). Default 1,000,000. */
  maxBodyChars?: number;
  /** Called with the size of each statement tried (tests count them). */
  onStatement?: (size: number) => void;
}

interface Pending {
  message: NewMessage;
  resolve(result: Appended): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one process's sends: a room has at most one statement in flight, and the sends
 * that arrive meanwhile go together in the next one, so a busy room pays one commit per batch
 * rather than per message. Seqs follow the order of `append` calls for a room.
 */
export class AppendBatcher {
  /** A room is here while its drain loop runs; the array is its queue. */
  private readonly queues = new Map<string, Pending[]>();
  private readonly maxMessages: number;
  private readonly maxBodyChars: number;

  constructor(
    private readonly writer: AppendWriter,
    private readonly options: AppendBatchOptions = {},
  ) {
    this.maxMessages = Math.max(1, options.maxMessages ?? 100);
    this.maxBodyChars = options.maxBodyChars ?? 1_000_000;
  }

  /** Stores a message as `Store.appendMessage` does, in a statement shared with the room's other waiting sends. */
  append(message: NewMessage): Promise<Appended> {
    return new Promise((resolve, reject) => {
      const pending = { message, resolve, reject };
      const queue = this.queues.get(message.roomId);
      if (queue) {
        queue.push(pending);
      } else {
        this.queues.set(message.roomId, [pending]);
        void this.drain(message.roomId);
      }
    });
  }

  private async drain(roomId: string) {
    const queue = this.queues.get(roomId)!;
    while (queue.length > 0) await this.write(roomId, queue.splice(0, this.batchLength(queue)));
    // Nothing awaited since the queue was seen empty, so no send can be stranded in it.
    this.queues.delete(roomId);
  }

  private batchLength(queue: Pending[]): number {
    let n = 0;
    let chars = 0;
    for (const { message } of queue) {
      // A thread reply goes in a statement of its own (it also counts itself on its parent), and so
      // does a message that mentions someone (its transaction also writes the users' streams) or
      // carries files (its transaction also takes the uploads).
      if (message.parentId || addressesSomeone(message.addressed) || message.attachments?.length) return n === 0 ? 1 : n;
      chars += message.body.length;
      if (n === this.maxMessages || (n > 0 && chars > this.maxBodyChars)) break;
      n++;
    }
    return n;
  }

  /** Settles every send of the batch; never throws. */
  private async write(roomId: string, batch: Pending[]) {
    if (batch.length === 1) return this.writeOne(batch[0]!);
    try {
      this.options.onStatement?.(batch.length);
      const stored = await this.writer.many(
        roomId,
        batch.map((p) => p.message),
      );
      batch.forEach((p, i) => p.resolve({ message: stored[i]!, created: true }));
    } catch (error) {
      if (!this.writer.isPerMessageError(error)) return batch.forEach((p) => p.reject(error));
      // A repeated clientId (stored before or twice in this batch) or a bad message: the batch
      // stored nothing, so each send goes alone, in order, and meets the single path's answer.
      for (const p of batch) await this.writeOne(p);
    }
  }

  private async writeOne(p: Pending) {
    try {
      this.options.onStatement?.(1);
      p.resolve(await this.writer.one(p.message));
    } catch (error) {
      p.reject(error);
    }
  }
}
