import { describe, expect, it } from "vitest";
import type { Message, UserEvent } from "@parley/protocol/client";
import { createMentionsStore } from "./mentions-store.ts";

const memoryStorage = () => {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
};
const mention = (seq: number, roomId: string, roomSeq: number, extra: Partial<Message> = {}): UserEvent => ({
  type: "userEvent",
  seq,
  kind: "mention",
  roomId,
  at: "2026-12-01T10:00:00.000Z",
  message: { id: `m${roomSeq}`, roomId, seq: roomSeq, user: { id: "a", username: "alice" }, body: "@bob", clientId: null, createdAt: "", ...extra },
});

describe("mentions store", () => {
  it("counts mentions past the room's last read seq, and reading the room clears them", () => {
    const read: Record<string, number> = { r1: 10 };
    const store = createMentionsStore(
      memoryStorage(),
      () => "bob",
      (roomId) => read[roomId] ?? 0,
    );
    store.load();
    store.subscribed(0);
    store.received(mention(1, "r1", 9)); // already read there
    store.received(mention(2, "r1", 12));
    store.received(mention(3, "r2", 4));
    store.received(mention(4, "r1", 15, { deleted: true, body: "" }));
    expect([store.count("r1"), store.count("r2")]).toEqual([1, 1]);
    read.r1 = 12;
    expect(store.count("r1")).toBe(0);
  });

  it("skips an event at or below its cursor (a replay overlapping what it had) and resumes after it", () => {
    const store = createMentionsStore(
      memoryStorage(),
      () => "bob",
      () => 0,
    );
    store.load();
    expect(store.afterSeq()).toBeUndefined();
    store.subscribed(5);
    expect(store.afterSeq()).toBe(5);
    store.received(mention(5, "r1", 3));
    store.received(mention(6, "r1", 7));
    store.received(mention(6, "r1", 7));
    expect(store.count("r1")).toBe(1);
    expect(store.afterSeq()).toBe(6);
  });

  it("keeps the cursor and unread mentions across a reload, and starts over when the server's stream is behind", () => {
    const storage = memoryStorage();
    const first = createMentionsStore(
      storage,
      () => "bob",
      () => 0,
    );
    first.load();
    first.subscribed(0);
    first.received(mention(1, "r1", 3));
    const again = createMentionsStore(
      storage,
      () => "bob",
      () => 0,
    );
    again.load();
    expect(again.afterSeq()).toBe(1);
    expect(again.count("r1")).toBe(1);
    again.subscribed(0);
    expect(again.afterSeq()).toBe(0);
  });
});
