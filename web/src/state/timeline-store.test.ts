import { describe, expect, it } from "vitest";
import type { Message, RoomEvent, User } from "@parley/protocol";
import { createTimelineStore } from "./timeline-store.ts";

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const carol = { id: "u3", username: "carol" };
const msg = (seq: number, clientId: string | null = null): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user: bob,
  body: `m${seq}`,
  clientId,
  createdAt: new Date(2026, 0, 1, 12, 0, seq).toISOString(),
});
const edited = (seq: number, messageSeq: number, body: string): RoomEvent => ({
  type: "event",
  roomId: "r1",
  seq,
  kind: "message.edited",
  at: "2026-01-01T13:00:00.000Z",
  message: { id: `m${messageSeq}`, body, editedAt: "2026-01-01T13:00:00.000Z" },
});
const deleted = (seq: number, messageSeq: number): RoomEvent => ({
  type: "event",
  roomId: "r1",
  seq,
  kind: "message.deleted",
  at: "2026-01-01T13:00:00.000Z",
  message: { id: `m${messageSeq}`, deleted: true, body: "" },
});
const reaction = (seq: number, messageSeq: number, emoji: string, user: User, added = true): RoomEvent => ({
  type: "event",
  roomId: "r1",
  seq,
  kind: added ? "reaction.added" : "reaction.removed",
  at: "2026-01-01T13:00:00.000Z",
  reaction: { messageId: `m${messageSeq}`, emoji, user },
});
const held = (store: ReturnType<typeof createTimelineStore>, seq: number) =>
  store
    .get("r1")!
    .messages()
    .find((m) => m.seq === seq)!;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const seqs = (store: ReturnType<typeof createTimelineStore>) =>
  store
    .get("r1")!
    .messages()
    .map((m) => m.seq);

describe("timeline store", () => {
  it("holds a window around the first unread; live messages wait aside until paging forward reaches the end, with no gap", () => {
    const store = createTimelineStore();
    store.synced("r1", 100);
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

  it("replaces only the edited or deleted message, by a new object with the same seq", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    store.page("r1", range(1, 3), false);
    const [first, second, third] = store.get("r1")!.messages();
    store.event(edited(4, 2, "fixed typo"), alice.id);
    expect(held(store, 2)).toMatchObject({ seq: 2, body: "fixed typo", editedAt: "2026-01-01T13:00:00.000Z" });
    expect(held(store, 2)).not.toBe(second);
    store.event(deleted(5, 3), alice.id);
    expect(held(store, 3)).toMatchObject({ seq: 3, body: "", deleted: true });
    expect(held(store, 3)).not.toBe(third);
    // The others keep their objects, so their rows are not drawn again.
    expect(held(store, 1)).toBe(first);
    expect(seqs(store)).toEqual([1, 2, 3]);
  });

  it("counts reactions up and down, marks ours, keeps the order of first reaction and drops an emoji at 0", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    store.page("r1", range(1, 1), false);
    store.event(reaction(2, 1, "👍", bob), alice.id);
    store.event(reaction(3, 1, "🎉", alice), alice.id);
    store.event(reaction(4, 1, "👍", alice), alice.id);
    expect(held(store, 1).reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 1, me: true },
    ]);
    store.event(reaction(5, 1, "👍", alice, false), alice.id);
    store.event(reaction(6, 1, "🎉", alice, false), alice.id);
    store.event(reaction(7, 1, "❤️", carol), alice.id);
    expect(held(store, 1).reactions).toEqual([
      { emoji: "👍", count: 1, me: false },
      { emoji: "❤️", count: 1, me: false },
    ]);
  });

  it("applies each event once, in seq order, and resumes after the highest seq of any frame", () => {
    const store = createTimelineStore();
    store.synced("r1", 2);
    store.ensure("r1");
    store.page("r1", range(1, 2), false);
    store.event(reaction(3, 1, "👍", bob), alice.id);
    // A replay overlapping what was applied (a reconnect) changes nothing.
    store.event(reaction(3, 1, "👍", bob), alice.id);
    store.event(reaction(2, 1, "👍", carol), alice.id);
    expect(held(store, 1).reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);
    expect(store.lastSeq("r1")).toBe(3);
    store.add("r1", [msg(4)]);
    store.event(edited(5, 4, "again"), alice.id);
    expect(store.lastSeq("r1")).toBe(5);
    // A copy of a message older than the last event is not applied over it.
    store.add("r1", [msg(4)]);
    expect(held(store, 4).body).toBe("again");
  });

  it("applies events to the live messages kept aside while the window is older", () => {
    const store = createTimelineStore();
    store.synced("r1", 19);
    store.ensure("r1");
    store.around("r1", { messages: range(1, 5), hasMore: false }, { messages: range(6, 10), hasMore: true });
    store.add("r1", [msg(20)]);
    store.event(edited(21, 20, "edited while aside"), alice.id);
    store.event(reaction(22, 20, "👀", alice), alice.id);
    store.event(edited(23, 7, "edited in the window"), alice.id);
    expect(held(store, 7).body).toBe("edited in the window");
    store.newer("r1", range(11, 19), false);
    expect(held(store, 20)).toMatchObject({ body: "edited while aside", reactions: [{ emoji: "👀", count: 1, me: true }] });
    expect(store.lastSeq("r1")).toBe(23);
  });

  it("shows our reaction toggle pending until its event comes, whatever events come before it", () => {
    const store = createTimelineStore();
    const t = store.ensure("r1");
    store.page("r1", range(1, 1), false);
    store.wantReaction("r1", "m1", "🎉");
    expect(t.reactionPending("m1", "🎉")).toBe(true);
    store.event(reaction(2, 1, "🎉", bob), alice.id);
    expect(t.reactionPending("m1", "🎉")).toBe(true);
    store.event(reaction(3, 1, "🎉", alice), alice.id);
    expect(t.reactionPending("m1", "🎉")).toBe(false);
    expect(held(store, 1).reactions).toEqual([{ emoji: "🎉", count: 2, me: true }]);
    store.wantReaction("r1", "m1", "👍");
    store.settleReaction("r1", "m1", "👍");
    expect(t.reactionPending("m1", "👍")).toBe(false);
  });

  it("resumes a room first loaded after its subscription from the seq the subscription started at", () => {
    const store = createTimelineStore();
    // Subscribed before the room was opened: its history, loaded later, already shows seqs up to 40.
    store.synced("r1", 40);
    store.event(reaction(41, 1, "👍", bob), alice.id);
    store.ensure("r1");
    store.page("r1", range(1, 30), false);
    expect(store.lastSeq("r1")).toBe(41);
    // A resubscription with replay: what follows `subscribed` is applied, not skipped.
    store.synced("r1", 45);
    store.event(edited(42, 30, "replayed"), alice.id);
    expect(held(store, 30).body).toBe("replayed");
    expect(store.lastSeq("r1")).toBe(42);
  });

  it("does not resume from history loaded before any subscription, whose newest message is older than its reactions", () => {
    const store = createTimelineStore();
    store.ensure("r1");
    // History shows message 2 with the reactions of seqs 3 to 9 already counted.
    store.page("r1", [msg(1), { ...msg(2), reactions: [{ emoji: "👍", count: 7, me: false }] }], false);
    expect(store.lastSeq("r1")).toBeUndefined();
    store.synced("r1", 9);
    expect(store.lastSeq("r1")).toBe(9);
    store.event(reaction(10, 2, "👍", carol), alice.id);
    expect(held(store, 2).reactions).toEqual([{ emoji: "👍", count: 8, me: false }]);
  });

  it("takes the seq of a thread reply and of an unknown kind of event but shows neither, as history does", () => {
    const store = createTimelineStore();
    store.synced("r1", 1);
    store.ensure("r1");
    store.page("r1", range(1, 1), false);
    store.add("r1", [{ ...msg(2), parentId: "m1" }]);
    store.add("r1", [{ ...msg(3), parentId: "m1", alsoToRoom: true }]);
    store.event({ type: "event", roomId: "r1", seq: 4, kind: "thread.renamed" as RoomEvent["kind"], at: "", message: { id: "m1", body: "x" } }, alice.id);
    expect(seqs(store)).toEqual([1, 3]);
    expect(held(store, 1).body).toBe("m1");
    expect(store.lastSeq("r1")).toBe(4);
  });
});
