import type { Store } from "@parley/db";
import type { ServerFrame, User, UserEvent } from "@parley/protocol";
import { silentLogger } from "@parley/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../../test/support/in-process.ts";
import { MemoryBusNetwork } from "../ports/bus.ts";
import { MemoryPresence } from "../ports/presence.ts";
import type { Peer } from "./peer.ts";
import { RoomHub } from "./room-hub.ts";

function recordingPeer(user: User, version: 1 | 2 = 2) {
  const frames: ServerFrame[] = [];
  const peer: Peer = { id: crypto.randomUUID(), user, version, send: (text) => frames.push(JSON.parse(text)), close: () => {} };
  const seqs = () => frames.filter((f): f is UserEvent => f.type === "userEvent").map((f) => f.seq);
  return { peer, frames, seqs };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe("UserStreams", () => {
  let store: Store;
  let close: () => Promise<void>;
  const alice: User = { id: crypto.randomUUID(), username: "alice" };
  const bob: User = { id: crypto.randomUUID(), username: "bob" };
  let roomId: string;
  let network: MemoryBusNetwork;
  let a: RoomHub;
  let b: RoomHub;

  beforeAll(async () => {
    const db = await memoryStore();
    store = db.store;
    close = () => db.connection.close();
    for (const u of [alice, bob]) await store.createUser({ ...u, passwordHash: "x" });
  });
  afterAll(() => close());

  beforeEach(async () => {
    roomId = crypto.randomUUID();
    await store.createRoom({ id: roomId, name: `room-${roomId}`, topic: "", createdBy: alice.id, createdAt: new Date() });
    await store.join(roomId, bob.id);
    network = new MemoryBusNetwork();
    a = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
    b = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
  });

  /** Alice mentions bob, stored and published on worker A as MessageService does. */
  const mentionBobOnA = async (body = "@bob hi") => {
    const result = await store.appendMessage({
      id: crypto.randomUUID(),
      roomId,
      user: alice,
      body,
      clientId: null,
      createdAt: new Date(),
      addressed: { usernames: ["bob"] },
    });
    a.published(result.message, result.userEvents);
    return result;
  };
  const bobSeq = async () => (await store.userLastSeqs([bob.id])).get(bob.id)!;

  it("delivers a mention to every tab of the user, on another worker, once and in order", async () => {
    const start = await bobSeq();
    const tabs = [recordingPeer(bob), recordingPeer(bob)];
    for (const tab of tabs) await b.users.subscribe(tab.peer);
    expect(tabs[0]!.frames[0]).toEqual({ type: "userSubscribed", lastSeq: start, limited: false });
    for (let i = 0; i < 3; i++) await mentionBobOnA(`@bob ${i}`);
    await settle();
    for (const tab of tabs) expect(tab.seqs()).toEqual([start + 1, start + 2, start + 3]);
  });

  it("fills a lost publish from the store before delivering past it, and resync catches a lost last one", async () => {
    const start = await bobSeq();
    const tab = recordingPeer(bob);
    await b.users.subscribe(tab.peer);
    network.drop = (channel) => channel.startsWith("_u:");
    await mentionBobOnA();
    network.drop = () => false;
    await mentionBobOnA();
    await settle();
    expect(tab.seqs()).toEqual([start + 1, start + 2]);
    network.drop = (channel) => channel.startsWith("_u:");
    await mentionBobOnA();
    await settle();
    expect(tab.seqs()).toHaveLength(2);
    await b.resync();
    expect(tab.seqs()).toEqual([start + 1, start + 2, start + 3]);
  });

  it("replays after afterSeq, each event once, and a connection subscribing again gets only what it missed", async () => {
    const start = await bobSeq();
    await mentionBobOnA("@bob one");
    await mentionBobOnA("@bob two");
    const tab = recordingPeer(bob);
    await b.users.subscribe(tab.peer, start);
    expect(tab.seqs()).toEqual([start + 1, start + 2]);
    const replayed = tab.frames.filter((f): f is UserEvent => f.type === "userEvent");
    expect(replayed.map((e) => e.message!.body)).toEqual(["@bob one", "@bob two"]);
    expect(replayed[0]).toMatchObject({ kind: "mention", roomId, message: { mentions: [bob.id] } });
    await b.users.subscribe(tab.peer, 0);
    expect(tab.seqs()).toEqual([start + 1, start + 2]);
  });

  it("stops sending to a closed connection and drops the user's channel", async () => {
    const tab = recordingPeer(bob);
    await b.users.subscribe(tab.peer);
    expect(b.users.stats()).toEqual({ users: 1, subscriptions: 1 });
    await b.disconnect(tab.peer);
    await mentionBobOnA();
    await settle();
    expect(tab.seqs()).toEqual([]);
    expect(b.users.stats()).toEqual({ users: 0, subscriptions: 0 });
  });
});
