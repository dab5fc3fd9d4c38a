import type { Store } from "@parley/db";
import type { ServerFrame, User } from "@parley/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../../test/support/in-process.ts";
import { MessageService } from "../messages/message-service.ts";
import { MemoryBusNetwork } from "../ports/bus.ts";
import { systemClock } from "@parley/common";
import { silentLogger } from "@parley/common";
import { MemoryPresence } from "../ports/presence.ts";
import type { Suggester } from "../ports/suggester.ts";
import type { Peer } from "./peer.ts";
import { RoomHub } from "./room-hub.ts";
import { WsSession } from "./ws-session.ts";

const ROUNDS = 300;
const noSuggestions: Suggester = { async *suggest() {} };

/**
 * A leave that commits while a subscribe is under way must never leave the user subscribed: the
 * subscribe either sees the leave and is refused, or is ended by it. Raced ROUNDS times with the
 * leave started at varying moments of the subscribe, over a real (embedded) PostgreSQL.
 */
describe("subscribe racing leave", () => {
  let store: Store;
  let close: () => Promise<void>;
  const owner: User = { id: crypto.randomUUID(), username: "owner" };
  const carol: User = { id: crypto.randomUUID(), username: "carol" };
  let roomId: string;

  beforeAll(async () => {
    const db = await memoryStore();
    store = db.store;
    close = () => db.connection.close();
    for (const u of [owner, carol]) await store.createUser({ ...u, passwordHash: "x" });
    roomId = crypto.randomUUID();
    await store.createRoom({ id: roomId, name: `room-${roomId}`, topic: "", createdBy: owner.id, createdAt: new Date() });
  });
  afterAll(() => close());

  it(`never leaves a non-member subscribed (${ROUNDS} rounds)`, async () => {
    const network = new MemoryBusNetwork();
    const hub = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
    const messages = new MessageService(store, hub, systemClock, { max: 1e6, windowSeconds: 60 });
    const outcomes = { refused: 0, ended: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      await store.join(roomId, carol.id);
      const frames: ServerFrame[] = [];
      const peer: Peer = { id: crypto.randomUUID(), user: carol, version: 1, send: (text) => frames.push(JSON.parse(text)), close: () => {} };
      const session = new WsSession(peer, {
        hub,
        messages,
        suggester: noSuggestions,
        clock: systemClock,
        logger: silentLogger,
        frameRate: { max: 1e6, windowSeconds: 60 },
      });
      session.receive(JSON.stringify({ type: "subscribe", roomId }));
      // What POST /api/rooms/:roomId/leave does, started a little later each round.
      for (let i = 0; i < round % 7; i++) await Promise.resolve();
      if (round % 3 === 0) await new Promise((r) => setImmediate(r));
      await store.leave(roomId, carol.id);
      await hub.left(roomId, carol.id);
      await session.close().catch(() => {});
      const settled = frames.find((f) => f.type === "subscribed" || f.type === "error");
      expect(hub.isSubscribed(peer, roomId), `round ${round}: ${JSON.stringify(frames)}`).toBe(false);
      if (settled?.type === "subscribed") {
        expect(
          frames.some((f) => f.type === "unsubscribed" && f.reason === "left"),
          `round ${round}`,
        ).toBe(true);
        outcomes.ended++;
      } else outcomes.refused++;
    }
    // Both orders happened, so the race was really run.
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.ended).toBeGreaterThan(0);
  });

  it("refuses a send from a connection whose user left on another worker", async () => {
    const network = new MemoryBusNetwork();
    const here = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
    const messages = new MessageService(store, here, systemClock, { max: 1e6, windowSeconds: 60 });
    await store.join(roomId, carol.id);
    const peer: Peer = { id: crypto.randomUUID(), user: carol, version: 1, send: () => {}, close: () => {} };
    await here.subscribe(peer, roomId);
    // The leave commits elsewhere and its `left` publish is lost: the subscription is stale until resync.
    network.drop = () => true;
    await store.leave(roomId, carol.id);
    expect(here.isSubscribed(peer, roomId)).toBe(true);
    await expect(messages.send(carol, roomId, "still here?", null, true)).rejects.toMatchObject({ code: "forbidden" });
    await here.resync();
    expect(here.isSubscribed(peer, roomId)).toBe(false);
  });
});
