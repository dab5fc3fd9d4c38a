import { NotMemberError, type NewMessage, type Store } from "@parley/db";
import type { Message, ServerFrame, User } from "@parley/protocol";
import { silentLogger } from "@parley/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../../test/support/in-process.ts";
import { MemoryBusNetwork, type RoomEvent } from "../ports/bus.ts";
import { MemoryPresence } from "../ports/presence.ts";
import { MemoryWorkerDirectory } from "../ports/worker-directory.ts";
import type { Peer } from "../realtime/peer.ts";
import { RoomHub } from "../realtime/room-hub.ts";
import { ownerOf } from "./rendezvous.ts";
import { RoomWriteRouter } from "./room-write-router.ts";

/** The workers of one in-process cluster; the room's owner is "owner", the other one "sender". */
const IDS = ["sender", "owner"];

/** A room id that rendezvous hashing gives to "owner" among IDS. */
function roomOwnedByOwner(): string {
  for (;;) {
    const id = crypto.randomUUID();
    if (ownerOf(id, IDS) === "owner") return id;
  }
}

/** A peer that records the seqs it is sent. */
function recordingPeer(user: User) {
  const seqs: number[] = [];
  const peer: Peer = {
    id: crypto.randomUUID(),
    user,
    version: 1,
    send: (text) => {
      const frame = JSON.parse(text) as ServerFrame;
      if (frame.type === "message") seqs.push(frame.message.seq);
    },
    close: () => {},
  };
  return { peer, seqs };
}

describe("RoomWriteRouter", () => {
  let store: Store;
  let close: () => Promise<void>;
  const alice: User = { id: crypto.randomUUID(), username: "alice" };
  const mallory: User = { id: crypto.randomUUID(), username: "mallory" };
  let roomId: string;
  let network: MemoryBusNetwork;
  let directory: MemoryWorkerDirectory;
  /** Inbox events that crossed the bus, by kind. */
  let crossed: Record<string, number>;
  let workers: Record<string, { hub: RoomHub; router: RoomWriteRouter }>;

  beforeAll(async () => {
    const db = await memoryStore();
    store = db.store;
    close = () => db.connection.close();
    for (const u of [alice, mallory]) await store.createUser({ ...u, passwordHash: "x" });
  });
  afterAll(() => close());

  /** Starts the two workers; a forward waits `timeoutMs` for its answer. */
  function startWorkers(timeoutMs: number) {
    workers = {};
    for (const id of IDS) {
      const hub = new RoomHub({ store, bus: network.node(), presence: new MemoryPresence(), logger: silentLogger });
      workers[id] = { hub, router: new RoomWriteRouter({ store, hub, directory: directory.join(id), logger: silentLogger, timeoutMs }) };
    }
  }

  beforeEach(async () => {
    roomId = roomOwnedByOwner();
    await store.createRoom({ id: roomId, name: `room-${roomId}`, topic: "", createdBy: alice.id, createdAt: new Date() });
    network = new MemoryBusNetwork();
    directory = new MemoryWorkerDirectory();
    crossed = {};
    network.drop = (_channel, event) => {
      crossed[event.kind] = (crossed[event.kind] ?? 0) + 1;
      return false;
    };
  });

  const newMessage = (body: string, clientId: string | null = null, user = alice): NewMessage => ({
    id: crypto.randomUUID(),
    roomId,
    user,
    body,
    clientId,
    createdAt: new Date(),
  });
  const storedSeqs = async () => (await store.range(roomId, 0, 1e9, 1000)).map((m) => m.seq);
  /** Loses inbox events of `kind` (and counts every event). */
  const lose = (kind: RoomEvent["kind"]) => {
    const count = network.drop;
    network.drop = (channel, event) => count(channel, event) || event.kind === kind;
  };

  it("stores a send on the room's owner and relays the answer", async () => {
    startWorkers(60_000);
    const results = await Promise.all([1, 2, 3].map((i) => workers.sender!.router.append(newMessage(`m${i}`))));
    expect(results.map((r) => [r.message.seq, r.created])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    // Gathered in one forward, received and answered in one event each.
    expect(crossed.append).toBe(1);
    expect(crossed.accepted).toBe(1);
    expect(crossed.appended).toBe(1);
    expect(await storedSeqs()).toEqual([1, 2, 3]);
  });

  it("stores a send on the owner itself without a hop", async () => {
    startWorkers(60_000);
    const { message } = await workers.owner!.router.append(newMessage("here"));
    expect(message.seq).toBe(1);
    expect(crossed.append).toBeUndefined();
  });

  it("stores a send here when its forward is lost", async () => {
    startWorkers(200);
    lose("append");
    const { message, created } = await workers.sender!.router.append(newMessage("lost forward"));
    expect([message.seq, created]).toEqual([1, true]);
    expect(await storedSeqs()).toEqual([1]);
  });

  it("keeps a room's sends in the order they were made when an early forward is lost", async () => {
    startWorkers(200);
    let appends = 0;
    const count = network.drop;
    network.drop = (channel, event) => count(channel, event) || (event.kind === "append" && ++appends === 1);
    const first = workers.sender!.router.append(newMessage("first"));
    // Made while the first one's forward is lost on the way: it must not be stored before it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = workers.sender!.router.append(newMessage("second"));
    const third = workers.sender!.router.append(newMessage("third"));
    expect((await Promise.all([first, second, third])).map((r) => [r.message.body, r.message.seq])).toEqual([
      ["first", 1],
      ["second", 2],
      ["third", 3],
    ]);
    expect((await store.range(roomId, 0, 1e9, 10)).map((m) => m.body)).toEqual(["first", "second", "third"]);
    // The first was stored here after its timeout; the later two still went to the owner, in one forward.
    expect(appends).toBe(2);
  });

  it("stores a send once when the owner's answer is lost and the sender stores it again", async () => {
    startWorkers(200);
    lose("appended");
    const sent = newMessage("lost answer");
    const { message, created } = await workers.sender!.router.append(sent);
    expect([message.id, message.seq, created]).toEqual([sent.id, 1, true]);
    expect(await storedSeqs()).toEqual([1]);
  });

  it("keeps a clientId once when a retry arrives on another worker and the answers are lost", async () => {
    startWorkers(200);
    lose("appended");
    const first = await workers.sender!.router.append(newMessage("once", "c-1"));
    const retry = await workers.owner!.router.append(newMessage("once", "c-1"));
    expect(retry).toEqual({ message: first.message, created: false });
    expect(await storedSeqs()).toEqual([1]);
  });

  it("stores a waiting send here at once when its owner leaves the directory", async () => {
    // A timeout no test waits out: only the owner leaving can settle the send.
    startWorkers(600_000);
    lose("append");
    const sending = workers.sender!.router.append(newMessage("owner gone"));
    setTimeout(() => directory.leave("owner"), 20);
    expect((await sending).message.seq).toBe(1);
    // The next send no longer looks for the departed owner.
    await workers.sender!.router.append(newMessage("after"));
    expect(crossed.append).toBe(1);
    expect(await storedSeqs()).toEqual([1, 2]);
  });

  it("relays the owner's refusal of a non-member, storing nothing", async () => {
    startWorkers(60_000);
    await expect(workers.sender!.router.append(newMessage("let me in", null, mallory))).rejects.toBeInstanceOf(NotMemberError);
    expect(crossed.appended).toBe(1);
    expect(await storedSeqs()).toEqual([]);
  });

  it("delivers forwarded sends to the sender's subscribers once each, in order", async () => {
    startWorkers(200);
    const here = recordingPeer(alice);
    const there = recordingPeer(alice);
    await workers.sender!.hub.subscribe(here.peer, roomId);
    await workers.owner!.hub.subscribe(there.peer, roomId);
    // Every fourth answer lost: those sends are stored again by the sender, finding the owner's copy.
    let n = 0;
    const count = network.drop;
    network.drop = (channel, event) => count(channel, event) || (event.kind === "appended" && ++n % 4 === 0);
    const results: Message[] = [];
    for (let batch = 0; batch < 5; batch++)
      results.push(...(await Promise.all([0, 1, 2, 3].map((i) => workers.sender!.router.append(newMessage(`b${batch}-${i}`))))).map((r) => r.message));
    const all = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(results.map((m) => m.seq).sort((a, b) => a - b)).toEqual(all);
    await expect.poll(() => here.seqs.length).toBe(20);
    await expect.poll(() => there.seqs.length).toBe(20);
    expect(here.seqs).toEqual(all);
    expect(there.seqs).toEqual(all);
    expect(await storedSeqs()).toEqual(all);
  });
});
