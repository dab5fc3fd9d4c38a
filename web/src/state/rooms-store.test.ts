import { describe, expect, it, vi } from "vitest";
import type { Message, ReadState } from "@parley/protocol";
import type { RoomListing } from "../transport/http-client.ts";
import { roomListing } from "../test-support/room-listing.ts";
import { createRoomsStore } from "./rooms-store.ts";

const listing = (id: string, extra?: Partial<RoomListing>) => roomListing(id, extra);
const message = (roomId: string, seq: number, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId,
  seq,
  user: { id: "alice", username: "alice" },
  body: "hi",
  clientId: null,
  createdAt: "",
  ...extra,
});

/** A rooms store over a fake server whose `POST …/read` answers when the test says. */
function setup(rooms: RoomListing[], stored: Record<string, string> = {}, dms: RoomListing[] = []) {
  const posts: { roomId: string; seq: number; answer: (lastReadSeq: number) => void; fail: () => void }[] = [];
  const http = {
    listRooms: vi.fn(async () => ({ rooms })),
    createRoom: vi.fn(async (name: string) => ({ room: listing(name) })),
    join: vi.fn(async (roomId: string) => ({ room: listing(roomId, { lastReadSeq: 4, unreadCount: 2, mentionCount: 0 }) })),
    leave: vi.fn(async (roomId: string) => ({ room: listing(roomId) })),
    dms: vi.fn(async () => ({ dms })),
    startDm: vi.fn(async (userIds: string[]) => ({ room: listing(`dm-${userIds.join("-")}`, { kind: "dm" as const }) })),
    markRead: vi.fn(
      (roomId: string, seq: number) =>
        new Promise<{ readState: ReadState }>((resolve, reject) =>
          posts.push({
            roomId,
            seq,
            answer: (lastReadSeq) => resolve({ readState: { lastReadSeq, unreadCount: 0, mentionCount: 0 } }),
            fail: () => reject(new Error("network")),
          }),
        ),
    ),
  };
  const storage = { getItem: (k: string) => stored[k] ?? null, removeItem: (k: string) => void delete stored[k] };
  const store = createRoomsStore(http, storage, () => "bob");
  return { store, http, posts, stored };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("rooms store: read state from the server", () => {
  it("shows the list's marker and count, then each subscription's count plus messages of others arriving after it", async () => {
    const { store } = setup([listing("r1", { lastReadSeq: 10, unreadCount: 3, mentionCount: 1 }), listing("r2")]);
    expect(store.knowsRead("r1")).toBe(false);
    await store.load();
    expect([store.knowsRead("r1"), store.lastRead("r1"), store.unread("r1")]).toEqual([true, 10, 3]);
    expect([store.knowsRead("r2"), store.unread("r2")]).toEqual([true, 0]);
    store.synced({ roomId: "r1", lastSeq: 15, lastReadSeq: 10, unreadCount: 4, mentionCount: 1 });
    expect(store.unread("r1")).toBe(4);
    store.arrived(message("r1", 14)); // replayed: the count has it
    store.arrived(message("r1", 16));
    store.arrived(message("r1", 17, { user: { id: "bob", username: "bob" } }));
    store.arrived(message("r1", 18, { parentId: "m16" }));
    store.arrived(message("r1", 19, { parentId: "m16", alsoToRoom: true }));
    expect(store.unread("r1")).toBe(6);
    // A later list (a join of a room already held) does not undo what the subscription counted.
    await store.join("r1");
    expect(store.unread("r1")).toBe(6);
    // Once left, a rejoin's count is the server's again.
    store.removed("r1");
    expect(store.unread("r1")).toBe(0);
    await store.join("r1");
    expect(store.unread("r1")).toBe(2);
  });

  it("reads at once and sends the newest seq, one request per room at a time, the latest winning", async () => {
    const { store, posts } = setup([listing("r1", { lastReadSeq: 2, unreadCount: 3, mentionCount: 0 })]);
    await store.load();
    store.synced({ roomId: "r1", lastSeq: 5, lastReadSeq: 2, unreadCount: 3, mentionCount: 0 });
    store.markRead("r1");
    expect([store.lastRead("r1"), store.unread("r1")]).toEqual([5, 0]);
    store.arrived(message("r1", 6));
    store.markRead("r1");
    store.arrived(message("r1", 7));
    store.markRead("r1");
    expect(posts.map((p) => [p.roomId, p.seq])).toEqual([["r1", 5]]);
    posts[0]!.answer(5);
    await settle();
    expect(posts.map((p) => p.seq)).toEqual([5, 7]);
    posts[1]!.answer(7);
    await settle();
    store.markRead("r1");
    expect(posts).toHaveLength(2);
  });

  it("never moves back: an older marker from the server or another device changes nothing", async () => {
    const { store, posts } = setup([listing("r1", { lastReadSeq: 2, unreadCount: 1, mentionCount: 0 })]);
    await store.load();
    store.synced({ roomId: "r1", lastSeq: 9, lastReadSeq: 2, unreadCount: 5, mentionCount: 0 });
    store.markRead("r1");
    store.readElsewhere("r1", 4);
    expect([store.lastRead("r1"), store.unread("r1")]).toEqual([9, 0]);
    posts[0]!.answer(9);
    await settle();
    store.synced({ roomId: "r1", lastSeq: 9, lastReadSeq: 9, unreadCount: 0, mentionCount: 0 });
    expect(store.lastRead("r1")).toBe(9);
    expect(posts).toHaveLength(1);
  });

  it("a read on another device clears what it covers; one past everything known clears all", async () => {
    const { store, posts } = setup([]);
    await store.load();
    store.synced({ roomId: "r1", lastSeq: 20, lastReadSeq: 10, unreadCount: 8, mentionCount: 0 });
    store.arrived(message("r1", 21));
    store.arrived(message("r1", 22));
    expect(store.unread("r1")).toBe(10);
    store.readElsewhere("r1", 21);
    expect(store.unread("r1")).toBe(1);
    store.readElsewhere("r1", 50);
    expect(store.unread("r1")).toBe(0);
    // The server told us: nothing to send.
    store.markRead("r1");
    expect(posts).toHaveLength(0);
  });

  it("sends a read again after a failed request, at the next subscription", async () => {
    const { store, posts } = setup([]);
    await store.load();
    store.synced({ roomId: "r1", lastSeq: 5, lastReadSeq: 1, unreadCount: 4, mentionCount: 0 });
    store.markRead("r1");
    posts[0]!.fail();
    await settle();
    // The reconnect's subscription still has the old marker: the count follows ours, and ours goes again.
    store.synced({ roomId: "r1", lastSeq: 6, lastReadSeq: 1, unreadCount: 5, mentionCount: 0 });
    expect(store.unread("r1")).toBe(1);
    expect(posts.map((p) => p.seq)).toEqual([5, 5]);
  });

  it("sends once what this device read before markers lived on the server, and forgets it", async () => {
    const stored = { "parley.read.bob": JSON.stringify({ r1: 12, r2: 3, gone: 40 }) };
    const { store, posts } = setup(
      [listing("r1", { lastReadSeq: 5, unreadCount: 9, mentionCount: 0 }), listing("r2", { lastReadSeq: 8, unreadCount: 0, mentionCount: 0 })],
      stored,
    );
    await store.load();
    expect(posts.map((p) => [p.roomId, p.seq])).toEqual([["r1", 12]]);
    expect([store.lastRead("r1"), store.lastRead("r2")]).toEqual([12, 8]);
    expect(stored).toEqual({});
  });
});

describe("rooms store: DMs, changes and removals", () => {
  const dm = (id: string, state?: Partial<ReadState>) => roomListing(id, { name: `dm:${id}`, kind: "dm", visibility: "private", ...state });

  it("holds the rooms by name, then the DMs as the server orders them; a DM with a new message moves to the top", async () => {
    const { store } = setup([listing("ops"), listing("general")], {}, [dm("d2", { lastReadSeq: 3, unreadCount: 2, mentionCount: 0 }), dm("d1")]);
    await store.load();
    expect(store.joined().map((r) => r.id)).toEqual(["general", "ops", "d2", "d1"]);
    expect(store.dms().map((r) => r.id)).toEqual(["d2", "d1"]);
    // Read state works as in a room.
    expect(store.unread("d2")).toBe(2);
    store.arrived(message("d1", 4));
    expect(store.dms().map((r) => r.id)).toEqual(["d1", "d2"]);
    expect(store.unread("d1")).toBe(1);
    // A room's message does not reorder anything.
    store.arrived(message("ops", 9));
    expect(store.joined().map((r) => r.id)).toEqual(["general", "ops", "d1", "d2"]);
  });

  it("keeps the rooms when the DMs cannot be listed", async () => {
    const { store, http } = setup([listing("general")]);
    http.dms.mockRejectedValueOnce(new Error("network"));
    await store.load();
    expect(store.joined().map((r) => r.id)).toEqual(["general"]);
  });

  it("a started DM, and one the user was added to elsewhere, go first among the DMs", async () => {
    const { store, http } = setup([listing("general")], {}, [dm("d1")]);
    await store.load();
    const room = await store.startDm(["u2", "u3"]);
    expect(http.startDm).toHaveBeenCalledWith(["u2", "u3"]);
    expect(store.dms().map((r) => r.id)).toEqual([room.id, "d1"]);
    store.added(dm("d9"));
    store.added(listing("alpha"));
    expect(store.joined().map((r) => r.id)).toEqual(["alpha", "general", "d9", room.id, "d1"]);
    // Added twice (two frames saying it): held once.
    store.added(dm("d9"));
    expect(store.dms()).toHaveLength(3);
  });

  it("applies a room's new name and the user's new role, keeping the order by name", async () => {
    const { store } = setup([listing("r1", { name: "alpha", role: "member" }), listing("r2", { name: "beta" })]);
    await store.load();
    store.update("r1", { name: "zulu", visibility: "private" });
    store.update("r1", { role: "moderator" });
    expect(store.joined().map((r) => [r.id, r.name, r.visibility, r.role])).toEqual([
      ["r2", "beta", "public", undefined],
      ["r1", "zulu", "private", "moderator"],
    ]);
  });

  it("remembers why the user was removed until they are in the room again", async () => {
    const { store } = setup([listing("r1")]);
    await store.load();
    store.noteRemoval("r1", { label: "#r1", reason: "banned" });
    store.removed("r1");
    expect([store.isMember("r1"), store.removal("r1")]).toEqual([false, { label: "#r1", reason: "banned" }]);
    await store.join("r1");
    expect(store.removal("r1")).toBeUndefined();
  });
});
