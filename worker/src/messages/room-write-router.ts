import { NotMemberError, StoreTimeout, type NewMessage, type Store } from "@parley/db";
import type { Message, Upload } from "@parley/protocol";
import type { Logger } from "@parley/common";
import { inboxOf, type AppendAnswer, type ForwardedMessage, type InboxEvent } from "../ports/bus.ts";
import type { WorkerDirectory } from "../ports/worker-directory.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { ownerOf } from "./rendezvous.ts";
import { LocalRoomWrites, type Appended, type RoomWrites } from "./room-writes.ts";

export interface RoomWriteRouterDeps {
  store: Store;
  hub: RoomHub;
  directory: WorkerDirectory;
  logger: Logger;
  /** How long a forwarded send waits for the owner's receipt before this worker stores it itself. */
  timeoutMs: number;
  /** How long a send the owner accepted waits for its answer (lost on the bus) before the same; 4 × timeoutMs when absent. */
  answerTimeoutMs?: number;
}

interface Pending {
  message: NewMessage;
  owner: string;
  accepted: boolean;
  /** Sent to `owner` (not only queued here). */
  forwarded: boolean;
  resolve(result: Appended): void;
  reject(error: unknown): void;
}

/**
 * Sends a room's writes to the worker that owns the room (rendezvous hashing over the live
 * workers), so one worker's group commit takes a hot room's whole load instead of every worker
 * convoying on the room's counter row. The owner stores and publishes as a lone worker would and
 * answers; this worker relays the answer and delivers the message to its own subscribers.
 *
 * The bus is at most once and owners die, so routing is only ever an optimisation: a send not
 * accepted by its owner within `timeoutMs`, accepted but not answered within `answerTimeoutMs`,
 * or whose owner leaves the directory, is stored here instead. That is idempotent because the
 * message id travels with the forward: a second insert of the same id (or clientId) returns the
 * stored message, and the database's row lock orders writes whoever makes them. The receipt keeps
 * a busy owner's slow commits from being stored a second time here, which would only add load.
 */
export class RoomWriteRouter implements RoomWrites {
  private readonly local: LocalRoomWrites;
  /** Forwarded sends awaiting their answer, by message id. */
  private readonly pending = new Map<string, Pending>();
  /** Each lane's (a sender in a room, laneOf) sends not forwarded yet, in the order they were made. */
  private readonly queued = new Map<string, NewMessage[]>();
  /** Each lane's forward in flight: the ids neither accepted by the owner nor settled yet. The lane's next forward waits for them. */
  private readonly inFlight = new Map<string, Set<string>>();
  private flushScheduled = false;
  private readonly answerTimeoutMs: number;

  constructor(private readonly deps: RoomWriteRouterDeps) {
    this.local = new LocalRoomWrites(deps.store, deps.hub);
    this.answerTimeoutMs = deps.answerTimeoutMs ?? 4 * deps.timeoutMs;
    deps.hub
      .onInbox(inboxOf(deps.directory.self), (event) => this.receive(event))
      .catch((err) => deps.logger.warn({ err }, "cannot listen on the worker inbox"));
    deps.directory.onChange(() => this.ownersChanged());
  }

  /**
   * Stores a send, on the room's owner when that is another worker. A lane's (one sender in one
   * room) next forward from this worker leaves only once the owner has accepted (it stores what it
   * receives in order) or this worker has settled every send of the previous one, and the sender's
   * sends made meanwhile go in it: so a sender's sends are stored in the order they were made even
   * when a forward is lost and stored here instead (docs/protocol.md promises that order per connection).
   */
  append(message: NewMessage): Promise<Appended> {
    const owner = ownerOf(message.roomId, this.deps.directory.live());
    const lane = laneOf(message);
    if (!this.queued.has(lane) && !this.inFlight.has(lane) && (owner === undefined || owner === this.deps.directory.self)) return this.local.append(message);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { message, owner: owner ?? this.deps.directory.self, accepted: false, forwarded: false, resolve, reject });
      const queue = this.queued.get(lane);
      if (queue) queue.push(message);
      else this.queued.set(lane, [message]);
      this.scheduleFlush();
    });
  }

  private scheduleFlush() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => this.flush(), 0);
  }

  /** Forwards the queued sends of every room with no forward in flight, one bus event per owner. */
  private flush() {
    this.flushScheduled = false;
    const live = this.deps.directory.live();
    const byOwner = new Map<string, NewMessage[]>();
    for (const [lane, batch] of this.queued) {
      if (this.inFlight.has(lane)) continue;
      this.queued.delete(lane);
      this.inFlight.set(lane, new Set(batch.map((m) => m.id)));
      const owner = ownerOf(batch[0]!.roomId, live);
      if (owner === undefined || owner === this.deps.directory.self) {
        // The room came to this worker meanwhile: store here, in order.
        for (const m of batch) this.storeHere(m.id);
        continue;
      }
      for (const m of batch) Object.assign(this.pending.get(m.id)!, { owner, forwarded: true });
      const forward = byOwner.get(owner);
      if (forward) forward.push(...batch);
      else byOwner.set(owner, batch);
    }
    for (const [owner, batch] of byOwner) this.forward(owner, batch);
  }

  /** Sends an owner its sends in one bus event and starts their common timeout. */
  private forward(owner: string, batch: NewMessage[]) {
    const ids = batch.map((m) => m.id);
    const event: InboxEvent = { kind: "append", replyTo: this.deps.directory.self, messages: batch.map(toForwarded) };
    this.deps.hub.tell(inboxOf(owner), event).catch((err) => {
      this.deps.logger.warn({ err, owner }, "cannot forward sends; storing them here");
      ids.forEach((id) => this.storeHere(id));
    });
    setTimeout(() => {
      const accepted = ids.filter((id) => this.pending.get(id)?.accepted);
      ids.forEach((id) => this.pending.get(id)?.accepted || this.storeHere(id));
      if (accepted.length) setTimeout(() => accepted.forEach((id) => this.storeHere(id)), this.answerTimeoutMs - this.deps.timeoutMs);
    }, this.deps.timeoutMs);
  }

  /**
   * A send was accepted by its owner (which stores a room's sends in the order it receives them),
   * answered, or stored here: once its room's forward has no send left open, the room's next one may go.
   */
  private settled(message: NewMessage) {
    const lane = laneOf(message);
    const open = this.inFlight.get(lane);
    if (!open?.delete(message.id) || open.size > 0) return;
    this.inFlight.delete(lane);
    if (this.queued.has(lane)) this.scheduleFlush();
  }

  private receive(event: InboxEvent) {
    if (event.kind === "append") return void this.serve(event.replyTo, event.messages);
    if (event.kind === "accepted") {
      for (const id of event.ids) {
        const p = this.pending.get(id);
        if (!p) continue;
        p.accepted = true;
        this.settled(p.message);
      }
      return;
    }
    for (const answer of event.answers) this.answered(answer);
  }

  /** As the owner: acknowledges receipt, stores forwarded sends (publishing them as usual) and answers the sender. */
  private async serve(replyTo: string, forwarded: ForwardedMessage[]) {
    const tell = (event: InboxEvent) =>
      this.deps.hub.tell(inboxOf(replyTo), event).catch((err) => this.deps.logger.warn({ err, replyTo }, "cannot answer forwarded sends"));
    void tell({ kind: "accepted", ids: forwarded.map((m) => m.id) });
    const answers = await Promise.all(
      forwarded.map(fromForwarded).map((m) =>
        this.local.append(m).then(
          ({ message, created }): AppendAnswer =>
            created
              ? {
                  id: m.id,
                  seq: message.seq,
                  ...(message.mentions ? { mentions: message.mentions } : {}),
                  ...(message.attachments ? { attachments: message.attachments } : {}),
                }
              : { id: m.id, existing: message },
          (error: unknown): AppendAnswer => ({
            id: m.id,
            error: error instanceof NotMemberError ? "not_member" : error instanceof StoreTimeout ? "unavailable" : "failed",
          }),
        ),
      ),
    );
    await tell({ kind: "appended", answers });
  }

  private answered(answer: AppendAnswer) {
    const p = this.pending.get(answer.id);
    if (!p) return; // already stored here after a timeout, or not ours
    if ("error" in answer) {
      if (answer.error === "failed") return this.storeHere(answer.id);
      this.pending.delete(answer.id);
      this.settled(p.message);
      return p.reject(
        answer.error === "not_member" ? new NotMemberError(p.message.roomId) : new StoreTimeout("appendMessage (on the room's owner)", this.deps.timeoutMs),
      );
    }
    this.pending.delete(answer.id);
    this.settled(p.message);
    const message = "seq" in answer ? stored(p.message, answer) : answer.existing;
    this.deps.hub.delivered(message);
    p.resolve({ message, created: message.id === answer.id });
  }

  /** The fallback: stores a forwarded send on this worker, unless it was answered meanwhile. */
  private storeHere(id: string) {
    const p = this.pending.get(id);
    if (!p) return;
    // Earlier sends to the room still open (accepted by an owner that then died) go first, keeping their order.
    for (const [earlier, q] of this.pending) {
      if (earlier === id) break;
      if (q.forwarded && laneOf(q.message) === laneOf(p.message)) this.storeOne(earlier, q);
    }
    this.storeOne(id, p);
  }

  private storeOne(id: string, p: Pending) {
    this.pending.delete(id);
    // Handed to the store now, so it keeps this send's place among the room's appends.
    const storing = this.deps.store.appendMessage(p.message);
    storing.then(
      ({ message, created, userEvents }) => {
        this.settled(p.message);
        // Not created: the owner stored this very message (and published it) before the answer was lost.
        if (created) this.deps.hub.published(message, userEvents);
        else this.deps.hub.delivered(message);
        p.resolve({ message, created: created || message.id === id });
      },
      (error: unknown) => {
        this.settled(p.message);
        p.reject(error);
      },
    );
  }

  /** Sends waiting on a worker that left will get no answer: store them here now. */
  private ownersChanged() {
    const live = new Set(this.deps.directory.live());
    // Only sends already forwarded: queued ones pick their owner when they go.
    for (const [id, p] of this.pending) if (p.forwarded && !live.has(p.owner)) this.storeHere(id);
  }
}

/**
 * What the order promise covers: one sender's sends to one room (docs/protocol.md promises it per
 * connection; per user is stricter). Lanes of different senders go to the owner independently.
 */
const laneOf = (m: NewMessage) => `${m.roomId}|${m.user.id}`;
const toForwarded = (m: NewMessage): ForwardedMessage => ({ ...m, createdAt: m.createdAt.toISOString() });
const fromForwarded = (m: ForwardedMessage): NewMessage => ({ ...m, createdAt: new Date(m.createdAt) });
/** The message as the owner stored it: what was forwarded, with the seq it got, the members it mentions and its files. */
const stored = (
  { addressed: _, attachments: _ids, ...m }: NewMessage,
  { seq, mentions, attachments }: { seq: number; mentions?: string[]; attachments?: Upload[] },
): Message => ({
  ...m,
  seq,
  createdAt: m.createdAt.toISOString(),
  ...(mentions ? { mentions } : {}),
  ...(attachments ? { attachments } : {}),
});
