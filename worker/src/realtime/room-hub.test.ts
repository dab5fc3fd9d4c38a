import type { Store } from "@parley/db";
import type { Message, ServerFrame, User, UserEvent } from "@parley/protocol";
import { silentLogger } from "@parley/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../../test/support/in-process.ts";
import { parsePrometheusText } from "../../../test/support/prometheus-text.ts";
import { PrometheusMetrics } from "../node/prometheus-metrics.ts";
import { MemoryBusNetwork, type RoomEvent } from "../ports/bus.ts";
import { MemoryPresence } from "../ports/presence.ts";
import type { Peer } from "./peer.ts";
import { RoomHub } from "./room-hub.ts";

/** A peer that records what it is sent. */
function recordingPeer(user: User, id = crypto.randomUUID(), version: 1 | 2 = 1) {
  const frames: ServerFrame[] = [];
  const peer: Peer = { id, user, version, send: (text) => frames.push(JSON.parse(text)), close: () => {} };
  const seqs = () => frames.filter((f): f is Extract<ServerFrame, { type: "message" }> => f.type === "message").map((f) => f.message.seq);
  return { peer, frames, seqs };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe("RoomHub across two workers", () => {
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
    // Two workers sharing one database and one bus, as in a cluster.
    a = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
    b = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
  });

  /** Stores a message on worker A the way MessageService does. */
  const sendOnA = async (body: string): Promise<Message> => {
    const { message } = await store.appendMessage({ id: crypto.randomUUID(), roomId, user: alice, body, clientId: null, createdAt: new Date() });
    a.published(message);
    return message;
  };

  it("delivers every message in order across workers when publishes are lost", async () => {
    const watcher = recordingPeer(bob);
    await b.subscribe(watcher.peer, roomId);
    let n = 0;
    network.drop = (_room, event: RoomEvent) => event.kind === "message" && ++n % 3 === 0; // lose every third publish
    for (let i = 1; i <= 30; i++) await sendOnA(`m${i}`);
    await settle();
    // The 30th publish was lost and nothing came after it: the periodic resync finds it in the store.
    await b.resync();
    expect(watcher.seqs()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it("fills a gap before delivering the message after it", async () => {
    const watcher = recordingPeer(bob);
    await b.subscribe(watcher.peer, roomId);
    network.drop = (_room, event) => event.kind === "message" && event.message.seq === 1;
    await sendOnA("one");
    await settle();
    expect(watcher.seqs()).toEqual([]);
    await sendOnA("two");
    await settle();
    expect(watcher.seqs()).toEqual([1, 2]);
  });

  it("counts what it stores, what it delivers, and what it had to fill from the store", async () => {
    const [onA, onB] = [new PrometheusMetrics(), new PrometheusMetrics()];
    a = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger, metrics: onA });
    b = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger, metrics: onB });
    const watchers = [recordingPeer(bob), recordingPeer(bob)];
    for (const w of watchers) await b.subscribe(w.peer, roomId);
    network.drop = (_room, event) => event.kind === "message" && event.message.seq < 3;
    for (const body of ["one", "two", "three"]) await sendOnA(body);
    await settle();
    expect(watchers.map((w) => w.seqs())).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    const textA = parsePrometheusText(await onA.scrape());
    const textB = parsePrometheusText(await onB.scrape());
    expect(textA.value("parley_messages_stored_total")).toBe(3);
    expect(textB.value("parley_messages_stored_total")).toBe(0);
    expect(textB.value("parley_bus_gap_messages_filled_total")).toBe(2);
    expect(textB.value("parley_messages_delivered_total")).toBe(6);
    // Only the live delivery (seq 3) is timed; filled messages are late by design.
    expect(textB.value("parley_fanout_seconds_count")).toBe(1);
    expect(textB.value("parley_subscriptions")).toBe(0); // not watching the app yet
    onB.watch({ connections: () => 2, hub: b });
    expect(parsePrometheusText(await onB.scrape()).value("parley_subscriptions")).toBe(2);
  });

  it("never delivers a message twice, even when the bus repeats and reorders it", async () => {
    const watcher = recordingPeer(bob);
    await b.subscribe(watcher.peer, roomId);
    network.drop = () => true;
    const first = await sendOnA("one");
    const second = await sendOnA("two");
    network.drop = () => false;
    // Replay the publishes late, out of order, and twice.
    for (const message of [second, first, second, first]) network.deliver(undefined as never, roomId, { kind: "message", message });
    await settle();
    expect(watcher.seqs()).toEqual([1, 2]);
  });

  it("replays what a subscriber missed, then continues live without overlap", async () => {
    for (let i = 1; i <= 5; i++) await sendOnA(`m${i}`);
    const resumer = recordingPeer(bob);
    await b.subscribe(resumer.peer, roomId, 2);
    await sendOnA("m6");
    await settle();
    expect(resumer.seqs()).toEqual([3, 4, 5, 6]);
    const subscribed = resumer.frames.find((f) => f.type === "subscribed");
    expect(subscribed).toMatchObject({ lastSeq: 5, limited: false });
  });

  it("resumes an evicted worker's subscription from its cursor: what was missed once, no subscribed frame", async () => {
    const before = recordingPeer(bob);
    await b.subscribe(before.peer, roomId);
    for (let i = 1; i <= 3; i++) await sendOnA(`m${i}`);
    await settle();
    const cursors = b.cursorsOf(before.peer);
    expect(cursors).toEqual({ [roomId]: 3 });
    // The worker is gone with its memory; its successor has only the cursor the socket kept.
    const successor = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
    for (let i = 4; i <= 5; i++) await sendOnA(`m${i}`);
    const after = recordingPeer(bob);
    await successor.subscribe(after.peer, roomId, cursors[roomId], true);
    await sendOnA("m6");
    await settle();
    expect(after.seqs()).toEqual([4, 5, 6]);
    expect(after.frames.filter((f) => f.type === "subscribed")).toEqual([]);
    expect(successor.cursorsOf(after.peer)).toEqual({ [roomId]: 6 });
  });

  it("never resends to a connection that subscribes again with an older afterSeq", async () => {
    const watcher = recordingPeer(bob);
    await b.subscribe(watcher.peer, roomId);
    for (let i = 1; i <= 4; i++) await sendOnA(`m${i}`);
    await settle();
    expect(watcher.seqs()).toEqual([1, 2, 3, 4]);
    // A client's retry timer from before a reconnect can repeat a subscribe that already worked.
    await b.subscribe(watcher.peer, roomId, 1);
    await sendOnA("m5");
    await settle();
    expect(watcher.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(watcher.frames.filter((f) => f.type === "subscribed")).toHaveLength(2);
  });

  it("ends a user's subscriptions on every worker when they leave the room", async () => {
    const onA = recordingPeer(bob);
    const onB = recordingPeer(bob);
    await a.subscribe(onA.peer, roomId);
    await b.subscribe(onB.peer, roomId);
    await a.left(roomId, bob.id);
    await settle();
    expect(onA.frames.at(-1)).toEqual({ type: "unsubscribed", roomId, reason: "left" });
    expect(onB.frames.at(-1)).toEqual({ type: "unsubscribed", roomId, reason: "left" });
    await sendOnA("after leaving");
    await settle();
    expect(onB.seqs()).toEqual([]);
    expect(b.isSubscribed(onB.peer, roomId)).toBe(false);
  });

  it("ends a removed user's subscriptions on every worker: 'removed' on parley.v2, 'left' on parley.v1", async () => {
    const v2OnB = recordingPeer(bob, crypto.randomUUID(), 2);
    const v1OnB = recordingPeer(bob);
    const aliceOnB = recordingPeer(alice, crypto.randomUUID(), 2);
    for (const p of [v2OnB, v1OnB, aliceOnB]) await b.subscribe(p.peer, roomId);
    await store.removeMember(roomId, bob.id, { by: alice, reason: "kicked", at: new Date() });
    await a.removed(roomId, bob.id);
    await settle();
    expect(v2OnB.frames.at(-1)).toEqual({ type: "unsubscribed", roomId, reason: "removed" });
    expect(v1OnB.frames.at(-1)).toEqual({ type: "unsubscribed", roomId, reason: "left" });
    expect(b.isSubscribed(aliceOnB.peer, roomId)).toBe(true);
    // Subscribing again, even from where it was, is refused: bob is no member.
    await expect(b.subscribe(v2OnB.peer, roomId, 0)).rejects.toMatchObject({ code: "forbidden" });
  });

  describe("user streams", () => {
    /** The seqs of the user-stream events a peer was sent. */
    const mentionSeqs = (p: { frames: ServerFrame[] }) => p.frames.filter((f): f is UserEvent => f.type === "userEvent").map((f) => f.seq);
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
      const tabs = [recordingPeer(bob, undefined, 2), recordingPeer(bob, undefined, 2)];
      for (const tab of tabs) await b.users.subscribe(tab.peer);
      expect(tabs[0]!.frames[0]).toEqual({ type: "userSubscribed", lastSeq: start, limited: false });
      for (let i = 0; i < 3; i++) await mentionBobOnA(`@bob ${i}`);
      await settle();
      for (const tab of tabs) expect(mentionSeqs(tab)).toEqual([start + 1, start + 2, start + 3]);
    });

    it("fills a lost publish from the store before delivering past it, and resync catches a lost last one", async () => {
      const start = await bobSeq();
      const tab = recordingPeer(bob, undefined, 2);
      await b.users.subscribe(tab.peer);
      network.drop = (channel) => channel.startsWith("_u:");
      await mentionBobOnA();
      network.drop = () => false;
      await mentionBobOnA();
      await settle();
      expect(mentionSeqs(tab)).toEqual([start + 1, start + 2]);
      network.drop = (channel) => channel.startsWith("_u:");
      await mentionBobOnA();
      await settle();
      expect(mentionSeqs(tab)).toHaveLength(2);
      await b.resync();
      expect(mentionSeqs(tab)).toEqual([start + 1, start + 2, start + 3]);
    });

    it("replays after afterSeq, each event once, and a connection subscribing again gets only what it missed", async () => {
      const start = await bobSeq();
      await mentionBobOnA("@bob one");
      await mentionBobOnA("@bob two");
      const tab = recordingPeer(bob, undefined, 2);
      await b.users.subscribe(tab.peer, start);
      expect(mentionSeqs(tab)).toEqual([start + 1, start + 2]);
      const replayed = tab.frames.filter((f): f is UserEvent => f.type === "userEvent");
      expect(replayed.map((e) => e.message!.body)).toEqual(["@bob one", "@bob two"]);
      expect(replayed[0]).toMatchObject({ kind: "mention", roomId, message: { mentions: [bob.id] } });
      await b.users.subscribe(tab.peer, 0);
      expect(mentionSeqs(tab)).toEqual([start + 1, start + 2]);
    });

    it("stops sending to a closed connection and drops the user's channel", async () => {
      const tab = recordingPeer(bob, undefined, 2);
      await b.users.subscribe(tab.peer);
      expect(b.users.stats()).toEqual({ users: 1, subscriptions: 1 });
      await b.disconnect(tab.peer);
      await mentionBobOnA();
      await settle();
      expect(mentionSeqs(tab)).toEqual([]);
      expect(b.users.stats()).toEqual({ users: 0, subscriptions: 0 });
    });
  });
});
