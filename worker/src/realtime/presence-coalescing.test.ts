import type { Store } from "@parley/db";
import type { ServerFrame, User } from "@parley/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../../test/support/in-process.ts";
import { MemoryBusNetwork } from "../ports/bus.ts";
import { silentLogger } from "@parley/common";
import { MemoryPresence } from "../ports/presence.ts";
import type { Peer } from "./peer.ts";
import { RoomHub } from "./room-hub.ts";

type Presence = Extract<ServerFrame, { type: "presence" }>;

/** A peer speaking `version` that records what it is sent. */
function recordingPeer(user: User, version: 1 | 2) {
  const frames: ServerFrame[] = [];
  const peer: Peer = { id: crypto.randomUUID(), user, version, send: (text) => frames.push(JSON.parse(text)), close: () => {} };
  return { peer, frames, presence: () => frames.filter((f): f is Presence => f.type === "presence") };
}

/** Windows that end when the test says so. */
function manualWindows() {
  const tasks: Array<() => void> = [];
  return {
    schedule: (task: () => void) => void tasks.push(task),
    /** Ends every open window and lets the flushes send. */
    async end() {
      for (const task of tasks.splice(0)) task();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

describe("RoomHub presence, coalesced per room window and encoded per version", () => {
  let store: Store;
  let close: () => Promise<void>;
  const users = Array.from({ length: 20 }, (_, i): User => ({ id: crypto.randomUUID(), username: `user${String(i).padStart(2, "0")}` }));
  const [alice, bob] = users as [User, User];
  let roomId: string;
  let windows: ReturnType<typeof manualWindows>;
  let network: MemoryBusNetwork;
  let presence: MemoryPresence;
  let a: RoomHub;
  let b: RoomHub;

  beforeAll(async () => {
    const db = await memoryStore();
    store = db.store;
    close = () => db.connection.close();
    for (const u of users) await store.createUser({ ...u, passwordHash: "x" });
  });
  afterAll(() => close());

  beforeEach(async () => {
    roomId = crypto.randomUUID();
    await store.createRoom({ id: roomId, name: `room-${roomId}`, topic: "", createdBy: alice.id, createdAt: new Date() });
    for (const u of users.slice(1)) await store.join(roomId, u.id);
    windows = manualWindows();
    network = new MemoryBusNetwork();
    // Two workers sharing presence, as they share Redis in a cluster.
    presence = new MemoryPresence();
    a = new RoomHub({ store, bus: network.node(), presence, logger: silentLogger, schedule: windows.schedule });
    b = new RoomHub({ store, bus: network.node(), presence, logger: silentLogger, schedule: windows.schedule });
  });

  it("counts presence per user: two connections make one join and one leave", async () => {
    const watcher = recordingPeer(alice, 1);
    await a.subscribe(watcher.peer, roomId);
    const [tab1, tab2] = [recordingPeer(bob, 1), recordingPeer(bob, 1)];
    await a.subscribe(tab1.peer, roomId);
    await a.subscribe(tab2.peer, roomId);
    await windows.end();
    await a.disconnect(tab1.peer);
    await windows.end();
    expect(watcher.presence().map((f) => f.event)).toEqual(["join"]);
    await a.disconnect(tab2.peer);
    await windows.end();
    expect(watcher.presence().map((f) => [f.event, f.user.id])).toEqual([
      ["join", bob.id],
      ["leave", bob.id],
    ]);
  });

  it("sends a join wave as one v1 frame with the list, and as one v2 frame per user with the count", async () => {
    const v1 = recordingPeer(alice, 1);
    const v2 = recordingPeer(alice, 2);
    await a.subscribe(v1.peer, roomId);
    await a.subscribe(v2.peer, roomId);
    await windows.end();
    const wave = users.slice(1);
    // Half the wave joins on the other worker: its joins come over the bus into the same window.
    for (const [i, u] of wave.entries()) await (i % 2 ? a : b).subscribe(recordingPeer(u, 2).peer, roomId);
    await new Promise((r) => setTimeout(r, 20)); // the bus delivers asynchronously
    expect(v1.presence()).toEqual([]);
    await windows.end();
    expect(v1.presence()).toHaveLength(1);
    expect(v1.presence()[0]!.online!.map((u) => u.id)).toEqual(users.map((u) => u.id));
    expect(v1.presence()[0]).not.toHaveProperty("onlineCount");
    expect(
      v2
        .presence()
        .map((f) => f.user.id)
        .sort(),
    ).toEqual(wave.map((u) => u.id).sort());
    for (const frame of v2.presence()) {
      expect(frame).toEqual({ type: "presence", roomId, event: "join", user: expect.any(Object), onlineCount: users.length });
    }
  });

  it("tells of a user who joined and left within one window once, in the state they ended in", async () => {
    const watcher = recordingPeer(alice, 2);
    await a.subscribe(watcher.peer, roomId);
    await windows.end();
    const visitor = recordingPeer(bob, 2);
    await b.subscribe(visitor.peer, roomId);
    await b.disconnect(visitor.peer);
    await new Promise((r) => setTimeout(r, 20));
    await windows.end();
    expect(watcher.presence().map((f) => [f.event, f.user.id, f.onlineCount])).toEqual([["leave", bob.id, 1]]);
  });

  it("tells a subscriber whose list had a user that joined in the window that the user left in it", async () => {
    const early = recordingPeer(bob, 2);
    await b.subscribe(early.peer, roomId);
    await windows.end();
    const visitor = recordingPeer(alice, 2);
    await a.subscribe(visitor.peer, roomId);
    const late = recordingPeer(users[2]!, 1);
    await b.subscribe(late.peer, roomId); // its subscribed lists alice
    await a.disconnect(visitor.peer);
    await new Promise((r) => setTimeout(r, 20));
    await windows.end();
    expect(late.frames.find((f) => f.type === "subscribed")!.online.map((u) => u.id)).toContain(alice.id);
    expect(late.presence().map((f) => [f.event, f.user.id, f.online!.map((u) => u.id).sort()])).toEqual([["leave", alice.id, [bob.id, users[2]!.id].sort()]]);
    // Who was subscribed before the window hears alice's end state and the late one's join.
    expect(
      early
        .presence()
        .map((f) => [f.event, f.user.id])
        .sort(),
    ).toEqual(
      [
        ["join", users[2]!.id],
        ["leave", alice.id],
      ].sort(),
    );
  });

  it("does not repeat to a subscriber the changes its subscribed list already had", async () => {
    const first = recordingPeer(alice, 2);
    await a.subscribe(first.peer, roomId);
    const second = recordingPeer(bob, 2);
    await a.subscribe(second.peer, roomId);
    await windows.end();
    // Alice's and Bob's joins were in one window: Alice hears Bob's; Bob's subscribed listed both already.
    expect(first.presence().map((f) => f.user.id)).toEqual([bob.id]);
    expect(second.presence()).toEqual([]);
    expect(second.frames.find((f) => f.type === "subscribed")).toMatchObject({ online: [alice, bob], onlineCount: 2 });
  });

  it("caps the v2 subscribed list, with the count and onlineTruncated; v1 gets everyone", async () => {
    const crowd = Array.from({ length: 600 }, (_, i): User => ({ id: crypto.randomUUID(), username: `crowd${String(i).padStart(3, "0")}` }));
    for (const u of crowd) await presence.add(roomId, u);
    const v2 = recordingPeer(alice, 2);
    const v1 = recordingPeer(bob, 1);
    await a.subscribe(v2.peer, roomId);
    await a.subscribe(v1.peer, roomId);
    const sub2 = v2.frames.find((f) => f.type === "subscribed")!;
    expect(sub2).toMatchObject({ onlineCount: 601, onlineTruncated: true });
    expect(sub2.online.map((u) => u.username)).toEqual(crowd.slice(0, 500).map((u) => u.username));
    const sub1 = v1.frames.find((f) => f.type === "subscribed")!;
    expect(sub1.online).toHaveLength(602);
    expect(sub1).not.toHaveProperty("onlineCount");
    expect(sub1).not.toHaveProperty("onlineTruncated");
  });
});
