import type { Store } from "@parley/db";
import type { Message } from "@parley/protocol";
import type { Clock } from "@parley/common";
import type { SuggestRequest, Suggester } from "../ports/suggester.ts";
import { NgramModel } from "./ngram-model.ts";
import { completePhrase } from "./phrase-completer.ts";

export interface BuiltinOptions {
  store: Pick<Store, "history" | "roomIdsOf" | "getRoom">;
  clock: Clock;
  /** The longest suggestion, in characters. */
  maxChars: number;
  /** A room's newest messages the model learns from. */
  windowMessages?: number;
  /** A room's window is re-read from the store when it is older than this. */
  refreshMs?: number;
}

/** Rooms and users whose models are kept, about 0.3 MB per room and 0.15 MB per user (least recently used ones are forgotten). */
const MAX_ROOMS = 100;
const MAX_USERS = 200;
/** A user's own messages kept, from the public rooms the worker has read. */
const OWN_MESSAGES = 100;
/** Rooms read at once to learn how a user writes. */
const WARM_ROOMS = 20;
/** The user's own phrasing counts twice as much as the room's. */
const OWN_WEIGHT = 2;

interface RoomWindow {
  model: NgramModel;
  /**
   * Whether its messages may teach their authors' own models, which follow them into other rooms:
   * only a public room's (a private room's or a DM's text never leaves it). Unknown until read.
   */
  shared?: boolean;
  messages: Message[];
  lastSeq: number;
  readAt: number;
  reading?: Promise<void>;
}

/**
 * Autocomplete without a language model: n-gram counts over the room's recent messages and the
 * user's own, read from the store on demand and updated as new messages show up. Answers in
 * well under a millisecond once a room is cached; a store that fails leaves the last model in use.
 * Its room windows also serve as the language model's context.
 */
export class BuiltinSuggester implements Suggester {
  private readonly rooms = new Map<string, RoomWindow>();
  private readonly users = new Map<string, OwnMessages>();

  constructor(private readonly options: BuiltinOptions) {}

  async *suggest({ user, roomId, text }: SuggestRequest) {
    const own = this.own(user.id);
    const room = await this.room(roomId);
    const models = [
      { model: own.model, weight: OWN_WEIGHT },
      { model: room.model, weight: 1 },
    ];
    yield { delta: completePhrase(text, models, { maxChars: this.options.maxChars }), source: "builtin" };
  }

  /** The room's newest messages (at most `limit`, and at most `refreshMs` old): the language model's context. */
  async recent(roomId: string, limit: number): Promise<Message[]> {
    return limit > 0 ? (await this.room(roomId)).messages.slice(-limit) : [];
  }

  private async room(roomId: string): Promise<RoomWindow> {
    const room = remember(this.rooms, roomId, MAX_ROOMS, () => ({ model: new NgramModel(), messages: [], lastSeq: 0, readAt: -Infinity }));
    if (this.options.clock.now() - room.readAt >= (this.options.refreshMs ?? 1000)) {
      await (room.reading ??= this.read(roomId, room).finally(() => (room.reading = undefined)));
    }
    return room;
  }

  private async read(roomId: string, room: RoomWindow) {
    const size = this.options.windowMessages ?? 200;
    const page = await this.options.store.history(roomId, { limit: size }).catch(() => ({ messages: [] as Message[] }));
    if (room.shared === undefined) {
      const record = await this.options.store.getRoom(roomId).catch(() => undefined);
      // Undecided while the store fails: nothing is shared until it is known to be public.
      if (record !== undefined) room.shared = record?.kind === "room" && record.visibility === "public";
    }
    room.readAt = this.options.clock.now();
    for (const message of page.messages) {
      if (message.seq <= room.lastSeq) continue;
      room.messages.push(message);
      room.model.add(message.body);
      if (room.shared) this.users.get(message.user.id)?.add(message);
      room.lastSeq = message.seq;
    }
    for (const old of room.messages.splice(0, Math.max(0, room.messages.length - size))) room.model.add(old.body, -1);
  }

  /** The user's own messages; a user seen for the first time is learned from their rooms in the background. */
  private own(userId: string): OwnMessages {
    const known = this.users.has(userId);
    const own = remember(this.users, userId, MAX_USERS, () => new OwnMessages());
    if (!known) void this.warm(userId, own).catch(() => {});
    return own;
  }

  private async warm(userId: string, own: OwnMessages) {
    for (const roomId of (await this.options.store.roomIdsOf(userId)).slice(0, WARM_ROOMS)) {
      const room = await this.room(roomId);
      if (room.shared) for (const message of room.messages) if (message.user.id === userId) own.add(message);
    }
  }
}

/** One user's recent messages and their model. */
class OwnMessages {
  readonly model = new NgramModel();
  private readonly kept = new Map<string, string>();

  add(message: Message) {
    if (this.kept.has(message.id)) return;
    this.kept.set(message.id, message.body);
    this.model.add(message.body);
    for (const [id, body] of this.kept) {
      if (this.kept.size <= OWN_MESSAGES) break;
      this.kept.delete(id);
      this.model.add(body, -1);
    }
  }
}

/** Gets or makes an entry and marks it most recently used, forgetting the oldest past `max`. */
function remember<T>(map: Map<string, T>, key: string, max: number, make: () => T): T {
  const value = map.get(key) ?? make();
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
  return value;
}
