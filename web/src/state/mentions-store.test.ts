import { describe, expect, it } from "vitest";
import type { Message, UserEvent } from "@parley/protocol/client";
import type { RoomListing } from "../transport/http-client.ts";
import { createMentionsStore } from "./mentions-store.ts";

const memoryStorage = () => {
  const items = new Map<string, string>();
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
};
const mention = (seq: number, roomId: string, roomSeq: number, extra: Partial<Message> = {}): UserEvent => ({
  type: "userEvent",
  seq,
  kind: "mention",
  roomId,
  at: "2026-12-01T10:00:00.000Z",
  message: { id: `m${roomSeq}`, roomId, seq: roomSeq, user: { id: "a", username: "alice" }, body: "@bob", clientId: null, createdAt: "", ...extra },
});
const readEvent = (seq: number, roomId: string, readSeq: number): UserEvent => ({
  type: "userEvent",
  seq,
  kind: "read",
  roomId,
  at: "2026-12-01T10:00:00.000Z",
  readSeq,
});
const listing = (id: string, lastReadSeq: number, mentionCount: number): RoomListing => ({
  id,
  name: id,
  topic: "",
  createdBy: "a",
  kind: "room",
  visibility: "public",
  createdAt: "",
  memberCount: 2,
  onlineCount: 0,
  lastReadSeq,
  unreadCount: mentionCount,
  mentionCount,
});

/** A mentions store over the read markers of `read`, which a test moves as a `read` event would. */
function setup(read: Record<string, number> = {}, storage = memoryStorage()) {
  const store = createMentionsStore(
    storage,
    () => "bob",
    (roomId) => read[roomId] ?? 0,
  );
  store.load();
  return { store, read, storage };
}

describe("mentions store", () => {
  it("counts the server's mentions at subscribe time plus live mentions past them, not those it counted", () => {
    const { store } = setup({ r1: 10 });
    store.subscribed(0);
    store.received(mention(1, "r1", 12)); // on the user's stream before the room's `subscribed`, which counts it
    store.synced({ roomId: "r1", lastSeq: 14, lastReadSeq: 10, unreadCount: 3, mentionCount: 2 });
    expect(store.count("r1")).toBe(2);
    store.received(mention(2, "r1", 9)); // already read there
    store.received(mention(3, "r1", 15));
    store.received(mention(4, "r1", 16, { deleted: true, body: "" }));
    store.received(mention(5, "r2", 4));
    expect([store.count("r1"), store.count("r2")]).toEqual([3, 1]);
  });

  it("reading the room, on any device, clears its mentions; a read partway keeps those after it", () => {
    const { store, read } = setup({ r1: 10 });
    store.listed(listing("r1", 10, 2));
    expect(store.count("r1")).toBe(2);
    store.synced({ roomId: "r1", lastSeq: 20, lastReadSeq: 10, unreadCount: 5, mentionCount: 2 });
    store.received(mention(1, "r1", 22));
    expect(store.count("r1")).toBe(3);
    read.r1 = 20;
    expect(store.count("r1")).toBe(1);
    store.received(readEvent(2, "r1", 22));
    read.r1 = 22;
    expect(store.count("r1")).toBe(0);
    // A later list does not overwrite what the subscription counted.
    store.listed(listing("r1", 10, 2));
    expect(store.count("r1")).toBe(0);
  });

  it("skips an event at or below its cursor (a replay overlapping what it had) and resumes after it", () => {
    const { store } = setup();
    expect(store.afterSeq()).toBeUndefined();
    store.subscribed(5);
    expect(store.afterSeq()).toBe(5);
    store.received(mention(5, "r1", 3));
    store.received(mention(6, "r1", 7));
    store.received(mention(6, "r1", 7));
    store.received(readEvent(7, "r1", 2));
    expect(store.count("r1")).toBe(1);
    expect(store.afterSeq()).toBe(7);
  });

  it("keeps only the cursor across a reload (the counts come from the server), and starts over when the server's stream is behind", () => {
    const storage = memoryStorage();
    const first = setup({}, storage).store;
    first.subscribed(0);
    first.received(mention(1, "r1", 3));
    expect(JSON.parse(storage.items.get("parley.mentions.bob")!)).toEqual({ cursor: 1 });
    const again = setup({}, storage).store;
    expect(again.afterSeq()).toBe(1);
    expect(again.count("r1")).toBe(0);
    again.listed(listing("r1", 0, 1));
    expect(again.count("r1")).toBe(1);
    again.subscribed(0);
    expect(again.afterSeq()).toBe(0);
  });
});
