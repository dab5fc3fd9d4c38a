import { describe, expect, it } from "vitest";
import type { Message } from "@parley/protocol";
import { createTimelineStore } from "./timeline-store.ts";

const bob = { id: "u2", username: "bob" };
const msg = (seq: number, clientId: string | null = null): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user: bob,
  body: `m${seq}`,
  clientId,
  createdAt: new Date(2026, 0, 1, 12, 0, seq).toISOString(),
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const seqs = (store: ReturnType<typeof createTimelineStore>) =>
  store
    .get("r1")!
    .messages()
    .map((m) => m.seq);

describe("timeline store", () => {
  it("holds a window around the first unread; live messages wait aside until paging forward reaches the end, with no gap", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    store.around("r1", { messages: range(31, 50), hasMore: true }, { messages: range(51, 100), hasMore: true });
    expect(store.get("r1")!.hasNewer()).toBe(true);
    // Not contiguous with the window: no replay afterSeq, and not shown yet.
    expect(store.lastSeq("r1")).toBeUndefined();
    store.add("r1", [msg(171)]);
    store.add("r1", [msg(172)]);
    expect(seqs(store).at(-1)).toBe(100);
    store.newer("r1", range(101, 170), false);
    expect(seqs(store)).toEqual(range(31, 172).map((m) => m.seq));
    expect(store.get("r1")!.hasNewer()).toBe(false);
    expect(store.lastSeq("r1")).toBe(172);
  });

  it("keeps live messages that arrived while the window loaded", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    store.add("r1", [msg(61)]);
    store.around("r1", { messages: range(41, 50), hasMore: true }, { messages: range(51, 60), hasMore: false });
    expect(seqs(store)).toEqual(range(41, 61).map((m) => m.seq));
  });

  it("confirms our send kept aside, so it does not stay 'Sending…'", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    store.around("r1", { messages: range(1, 5), hasMore: false }, { messages: range(6, 10), hasMore: true });
    store.addPending("r1", "c1", "hi");
    store.add("r1", [msg(200, "c1")]);
    expect(store.get("r1")!.pending()).toEqual([]);
  });

  it("prepends an older page and merges out-of-order deliveries by seq, each once", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    store.page("r1", range(51, 100), true);
    store.page("r1", range(1, 50), false);
    store.add("r1", [msg(100), msg(102), msg(101)]);
    expect(seqs(store)).toEqual(range(1, 102).map((m) => m.seq));
    expect(store.get("r1")!.hasMore()).toBe(false);
  });
});
