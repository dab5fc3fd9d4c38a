import type { Message, User } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Bus, RoomEvent } from "./bus.ts";

/** Two workers' buses on one network, and how to tear them down. */
export interface BusPair {
  a: Bus;
  b: Bus;
  cleanup(): Promise<void>;
}

/** What one bus received, with a way to wait for more. */
export function recordEvents(bus: Bus) {
  const events: Array<{ roomId: string; event: RoomEvent }> = [];
  let waiters: Array<() => void> = [];
  bus.onEvent((roomId, event) => {
    events.push({ roomId, event });
    for (const wake of waiters) wake();
  });
  /** Resolves once `done()` holds; fails after `timeoutMs` with what did arrive. */
  const until = (done: () => boolean, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out; received ${JSON.stringify(events)}`)), timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters = waiters.filter((w) => w !== check);
        resolve();
      };
      waiters.push(check);
    });
  const inRoom = (roomId: string) => events.filter((e) => e.roomId === roomId).map((e) => e.event);
  return { events, until, inRoom };
}

const alice: User = { id: "0b6f1d2e-1111-4c55-9d1b-aaaaaaaaaaaa", username: "alice" };

const typing = (roomId: string, n = 0): RoomEvent => ({ kind: "typing", roomId, user: { ...alice, username: `alice${n}` } });

const message = (roomId: string, seq: number, body: string): RoomEvent => {
  const m: Message = {
    id: crypto.randomUUID(),
    roomId,
    seq,
    user: alice,
    body,
    clientId: `c-${seq}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  };
  return { kind: "message", message: m };
};

/**
 * The Bus contract: one suite, run against every implementation. A bus is at most once, so the
 * "not delivered" checks publish a marker on a subscribed room afterwards and wait for it: both
 * implementations deliver one publisher's events to one subscriber in publish order.
 */
export function busContract(name: string, makePair: () => Promise<BusPair>) {
  describe(`Bus contract: ${name}`, () => {
    let pair: BusPair;
    let room: string;
    let marker: string;

    beforeEach(async () => {
      pair = await makePair();
      room = crypto.randomUUID();
      marker = crypto.randomUUID();
    });
    afterEach(() => pair.cleanup());

    it("delivers an event published by a to b when b subscribed to the room", async () => {
      const b = recordEvents(pair.b);
      await pair.b.subscribe(room);
      await pair.a.publish(room, typing(room));
      await b.until(() => b.events.length === 1);
      expect(b.events).toEqual([{ roomId: room, event: typing(room) }]);
    });

    it("does not deliver events of rooms b never subscribed to", async () => {
      const b = recordEvents(pair.b);
      await pair.b.subscribe(marker);
      await pair.a.publish(room, typing(room));
      await pair.a.publish(marker, typing(marker));
      await b.until(() => b.inRoom(marker).length === 1);
      expect(b.inRoom(room)).toEqual([]);
      expect(b.events).toHaveLength(1);
    });

    it("stops delivering a room's events after unsubscribe", async () => {
      const b = recordEvents(pair.b);
      await pair.b.subscribe(room);
      await pair.b.subscribe(marker);
      await pair.a.publish(room, typing(room, 1));
      await b.until(() => b.inRoom(room).length === 1);
      await pair.b.unsubscribe(room);
      await pair.a.publish(room, typing(room, 2));
      await pair.a.publish(marker, typing(marker));
      await b.until(() => b.inRoom(marker).length === 1);
      expect(b.inRoom(room)).toEqual([typing(room, 1)]);
    });

    it("never hands a worker its own publishes", async () => {
      const a = recordEvents(pair.a);
      const b = recordEvents(pair.b);
      await pair.a.subscribe(room);
      await pair.b.subscribe(room);
      await pair.a.publish(room, typing(room, 1));
      await b.until(() => b.events.length === 1);
      // b's reply is published after a's event reached b, so a sees its own echo first if at all.
      await pair.b.publish(room, typing(room, 2));
      await a.until(() => a.events.length >= 1);
      expect(a.events).toEqual([{ roomId: room, event: typing(room, 2) }]);
      expect(b.events).toEqual([{ roomId: room, event: typing(room, 1) }]);
    });

    it("delivers events intact", async () => {
      const b = recordEvents(pair.b);
      await pair.b.subscribe(room);
      const bob: User = { id: crypto.randomUUID(), username: "bob.b-2" };
      const sent: RoomEvent[] = [
        message(room, 1, `<b>"quoted" & 'single'</b> \\ \n\t 👩‍👩‍👧‍👦 שלום مرحبا e\u0301`),
        { kind: "message", message: { ...(message(room, 2, "x") as Extract<RoomEvent, { kind: "message" }>).message, clientId: null } },
        { kind: "presence", roomId: room, event: "join", user: bob },
        { kind: "presence", roomId: room, event: "leave", user: bob },
        { kind: "left", roomId: room, userId: bob.id },
      ];
      for (const event of sent) await pair.a.publish(room, event);
      await b.until(() => b.events.length === sent.length);
      expect(b.inRoom(room)).toEqual(sent);
      expect(b.events.every((e) => e.roomId === room)).toBe(true);
    });

    it("delivers one room's events in publish order", async () => {
      const b = recordEvents(pair.b);
      await pair.b.subscribe(room);
      const sent = Array.from({ length: 100 }, (_, i) => message(room, i + 1, `m${i + 1}`));
      // Published back to back without waiting, as the room hub does.
      await Promise.all(sent.map((event) => pair.a.publish(room, event)));
      await b.until(() => b.events.length === sent.length);
      expect(b.inRoom(room).map((e) => (e.kind === "message" ? e.message.seq : -1))).toEqual(sent.map((_, i) => i + 1));
      expect(b.inRoom(room)).toEqual(sent);
    });

    it("keeps rooms apart", async () => {
      const b = recordEvents(pair.b);
      await pair.b.subscribe(room);
      await pair.b.subscribe(marker);
      await pair.a.publish(room, typing(room, 1));
      await pair.a.publish(marker, typing(marker, 2));
      await b.until(() => b.events.length === 2);
      expect(b.inRoom(room)).toEqual([typing(room, 1)]);
      expect(b.inRoom(marker)).toEqual([typing(marker, 2)]);
    });

    it("answers ping", async () => {
      await expect(pair.a.ping()).resolves.toBeUndefined();
      await expect(pair.b.ping()).resolves.toBeUndefined();
    });
  });
}
