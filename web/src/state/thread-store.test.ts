import { describe, expect, it } from "vitest";
import type { Message, RoomEvent, User } from "@parley/protocol";
import { createThreadStore } from "./thread-store.ts";
import { createTimelineStore } from "./timeline-store.ts";

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const at = (seq: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString();
const parent = (extra: Partial<Message> = {}): Message => ({
  id: "p",
  roomId: "r1",
  seq: 1,
  user: alice,
  body: "Launch plan?",
  clientId: null,
  createdAt: at(1),
  ...extra,
});
const reply = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user: bob,
  body: `reply ${seq}`,
  clientId: null,
  createdAt: at(seq),
  parentId: "p",
  ...extra,
});
/** The parent as the server sends it once these replies are stored. */
const counted = (...replies: Message[]) => (replies.length === 0 ? parent() : parent({ replyCount: replies.length, lastReplyAt: replies.at(-1)!.createdAt }));
const reaction = (seq: number, messageId: string, emoji: string, user: User, added = true): RoomEvent => ({
  type: "event",
  roomId: "r1",
  seq,
  kind: added ? "reaction.added" : "reaction.removed",
  at: at(seq),
  reaction: { messageId, emoji, user },
});
const edited = (seq: number, messageId: string, body: string): RoomEvent => ({
  type: "event",
  roomId: "r1",
  seq,
  kind: "message.edited",
  at: at(seq),
  message: { id: messageId, body, editedAt: at(seq) },
});

/** A thread open on "p" with its first page (`replies`, newest last) in. */
function opened(replies: Message[], hasMore = false) {
  const store = createThreadStore();
  const thread = store.open("r1", "p", parent());
  thread.newest({ parent: counted(...replies), messages: replies, hasMore }, thread.begin());
  return { store, thread, view: thread.view };
}
const bodies = (messages: readonly Message[]) => messages.map((m) => m.body);

describe("the thread store", () => {
  it("shows the timeline's parent until the first page, then the page's", () => {
    const store = createThreadStore();
    const thread = store.open("r1", "p", parent());
    expect(thread.view.parent()?.replyCount).toBeUndefined();
    expect(thread.view.loaded()).toBe(false);
    thread.newest({ parent: counted(reply(2)), messages: [reply(2)], hasMore: false }, thread.begin());
    expect(thread.view.loaded()).toBe(true);
    expect(thread.view.parent()?.replyCount).toBe(1);
    expect(bodies(thread.view.replies())).toEqual(["reply 2"]);
  });

  it("adds a live reply once, counted on the parent once, whether it came in the page, live, or as an ack too", () => {
    const { store, view } = opened([reply(2)]);
    store.live([reply(2)]);
    expect(bodies(view.replies())).toEqual(["reply 2"]);
    expect(view.parent()?.replyCount).toBe(1);
    store.live([reply(3)]);
    store.live([reply(3)]);
    expect(bodies(view.replies())).toEqual(["reply 2", "reply 3"]);
    expect(view.parent()).toMatchObject({ replyCount: 2, lastReplyAt: at(3) });
  });

  it("ignores top-level messages and replies of other threads or rooms", () => {
    const { store, view } = opened([reply(2)]);
    store.live([reply(3, { parentId: undefined }), reply(4, { parentId: "other" }), reply(5, { roomId: "r2" })]);
    expect(bodies(view.replies())).toEqual(["reply 2"]);
    expect(view.parent()?.replyCount).toBe(1);
  });

  it("turns our pending reply into the stored one when its ack (or broadcast) comes", () => {
    const { store, thread, view } = opened([]);
    thread.addPending("c1", "on it", true);
    expect(view.pending()).toMatchObject([{ clientId: "c1", body: "on it", alsoToRoom: true, status: "pending" }]);
    thread.setStatus("c1", "failed", "Sending too fast.");
    expect(view.pending()[0]).toMatchObject({ status: "failed", error: "Sending too fast." });
    store.live([reply(2, { user: alice, body: "on it", clientId: "c1", alsoToRoom: true })]);
    expect(view.pending()).toEqual([]);
    expect(bodies(view.replies())).toEqual(["on it"]);
  });

  it("applies edits and reactions of replies and of the parent once each", () => {
    const { store, view } = opened([reply(2)]);
    store.event(reaction(3, "m2", "👍", alice), alice.id);
    store.event(reaction(3, "m2", "👍", alice), alice.id);
    store.event(reaction(4, "m2", "👍", bob), alice.id);
    store.event(edited(5, "p", "Launch plan for Friday?"), alice.id);
    store.event(reaction(6, "p", "🎉", bob), alice.id);
    expect(view.replies()[0]!.reactions).toEqual([{ emoji: "👍", count: 2, me: true }]);
    expect(view.parent()).toMatchObject({ body: "Launch plan for Friday?", reactions: [{ emoji: "🎉", count: 1, me: false }] });
    store.event(reaction(7, "m2", "👍", alice, false), alice.id);
    expect(view.replies()[0]!.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);
  });

  it("does not apply again what a page read after the frame already shows", () => {
    // The page was read after reply 3 and its reaction (seq 3) were stored: frames up to it are in it.
    const { store, view } = opened([reply(2, { reactions: [{ emoji: "👀", count: 1, me: false }] }), reply(4)]);
    store.event(reaction(3, "m2", "👀", bob), alice.id);
    store.live([reply(4)]);
    expect(view.replies()[0]!.reactions).toEqual([{ emoji: "👀", count: 1, me: false }]);
    expect(view.parent()?.replyCount).toBe(2);
  });

  it("after a resumed subscription, a fresh newest page replaces what is held and the replay below it is skipped", () => {
    const { store, thread, view } = opened([reply(2), reply(3)]);
    // Offline: reply 4 and a reaction to reply 2 (seq 5) were stored. The subscription resumes at 5.
    thread.resync(5);
    const token = thread.begin();
    store.live([reply(4)]);
    store.event(reaction(5, "m2", "👍", bob), alice.id);
    expect(bodies(view.replies())).toEqual(["reply 2", "reply 3"]);
    // A live reply after the resume, before the page comes: it stays.
    store.live([reply(6)]);
    const page = [reply(2, { reactions: [{ emoji: "👍", count: 1, me: false }] }), reply(3), reply(4)];
    thread.newest({ parent: counted(...page), messages: page, hasMore: false }, token);
    expect(bodies(view.replies())).toEqual(["reply 2", "reply 3", "reply 4", "reply 6"]);
    expect(view.replies()[0]!.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);
    expect(view.parent()).toMatchObject({ replyCount: 4, lastReplyAt: at(6) });
  });

  it("drops the answer of an older request for the newest page", () => {
    const { thread, view } = opened([reply(2)]);
    const old = thread.begin();
    const fresh = thread.begin();
    thread.newest({ parent: counted(reply(2), reply(3)), messages: [reply(2), reply(3)], hasMore: false }, fresh);
    thread.newest({ parent: counted(reply(2)), messages: [reply(2)], hasMore: false }, old);
    expect(bodies(view.replies())).toEqual(["reply 2", "reply 3"]);
  });

  it("pages older replies in before the held ones", () => {
    const { thread, view } = opened([reply(5), reply(6)], true);
    thread.setLoadingOlder(true);
    expect(view.loadingOlder()).toBe(true);
    thread.older({ parent: counted(reply(5), reply(6)), messages: [reply(3), reply(4)], hasMore: false });
    expect(bodies(view.replies())).toEqual(["reply 3", "reply 4", "reply 5", "reply 6"]);
    expect(view.hasMore()).toBe(false);
    expect(view.loadingOlder()).toBe(false);
  });

  it("keeps one thread open: opening the same one keeps its state, another replaces it, and find looks in it", () => {
    const { store, thread } = opened([reply(2)]);
    expect(store.open("r1", "p")).toBe(thread);
    expect(store.find("m2")?.body).toBe("reply 2");
    expect(store.find("p")?.body).toBe("Launch plan?");
    const other = store.open("r1", "q");
    expect(other).not.toBe(thread);
    expect(store.find("m2")).toBeUndefined();
    store.close();
    expect(store.current()).toBeUndefined();
  });
});

describe("the timeline and thread replies", () => {
  it("counts a reply on its parent once, without a row unless it is also sent to the room", () => {
    const timeline = createTimelineStore();
    timeline.ensure("r1");
    timeline.synced("r1", 1);
    timeline.page("r1", [parent()], false);
    timeline.add("r1", [reply(2)]);
    timeline.add("r1", [reply(2)]);
    timeline.add("r1", [reply(3, { alsoToRoom: true })]);
    const held = timeline.get("r1")!.messages();
    expect(held.map((m) => m.id)).toEqual(["p", "m3"]);
    expect(held[0]).toMatchObject({ replyCount: 2, lastReplyAt: at(3) });
  });

  it("does not count again a reply its parent already counts (a replay sends messages as they are now)", () => {
    const timeline = createTimelineStore();
    timeline.ensure("r1");
    timeline.synced("r1", 0);
    timeline.page("r1", [], false);
    // A replay: the parent with both replies counted, then the replies themselves.
    timeline.add("r1", [counted(reply(2), reply(3)), reply(2), reply(3)]);
    expect(timeline.get("r1")!.messages()[0]).toMatchObject({ replyCount: 2, lastReplyAt: at(3) });
  });
});
