import { describe, expect, it } from "vitest";
import type { Message } from "@parley/protocol";
import { buildRows, isPrepend, type Row } from "./rows.ts";

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const at = (day: number, minute: number) => new Date(2026, 10, day, 12, minute).toISOString();
const msg = (seq: number, user = bob, createdAt = at(30, seq)): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user,
  body: `m${seq}`,
  clientId: null,
  createdAt,
});
const kinds = (rows: Row[]) => rows.map((r) => (r.kind === "message" ? `${r.message.seq}${r.dayStart ? "D" : ""}${r.groupStart ? "G" : ""}` : r.kind));
const base = { pending: [], me: alice, lastRead: 0, hasMore: false, loaded: false };

describe("buildRows", () => {
  it("starts a group at a new author, after the five-minute gap, and at a new day (with a separator)", () => {
    const messages = [msg(1, bob, at(29, 0)), msg(2, bob, at(29, 1)), msg(3, alice, at(29, 2)), msg(4, alice, at(29, 9)), msg(5, alice, at(30, 0))];
    expect(kinds(buildRows({ ...base, messages }))).toEqual(["1DG", "2", "3G", "4G", "5DG"]);
  });

  it("puts the New messages line before the first unread message from someone else, and starts a group there", () => {
    const messages = [msg(1, bob), msg(2, alice), msg(3, bob), msg(4, bob)];
    expect(kinds(buildRows({ ...base, messages, lastRead: 1 }))).toEqual(["1DG", "2G", "unread", "3G", "4"]);
  });

  it("does not draw the oldest held message while older ones exist, so a page above never changes a drawn row", () => {
    const page2 = [msg(10), msg(11), msg(12)];
    const cache = new WeakMap();
    const first = buildRows({ ...base, messages: page2, hasMore: true }, cache);
    expect(kinds(first)).toEqual(["11", "12"]);
    const next = buildRows({ ...base, messages: [msg(7), msg(8), msg(9), ...page2], hasMore: true }, cache);
    expect(kinds(next)).toEqual(["8", "9", "10", "11", "12"]);
    expect(next.slice(-2)).toEqual(first);
    expect(next.at(-1)).toBe(first.at(-1));
    expect(isPrepend(first, next)).toBe(true);
  });

  it("keeps every unchanged row object when a message arrives, so only the new row renders", () => {
    const held = [msg(1), msg(2)];
    const cache = new WeakMap();
    const first = buildRows({ ...base, messages: held }, cache);
    const next = buildRows({ ...base, messages: [...held, msg(3)] }, cache);
    expect(next.slice(0, 2).every((row, i) => row === first[i])).toBe(true);
    expect(isPrepend(first, next)).toBe(false);
  });

  it("starts with the room's beginning once the first message is held, added with the last older page", () => {
    const cache = new WeakMap();
    const held = [msg(2), msg(3)];
    const last = buildRows({ ...base, loaded: true, messages: held, hasMore: true }, cache);
    const all = buildRows({ ...base, loaded: true, messages: [msg(1), ...held], hasMore: false }, cache);
    expect(kinds(all)).toEqual(["start", "1DG", "2", "3"]);
    expect(isPrepend(last, all)).toBe(true);
  });

  it("groups pending sends after our own last message", () => {
    const pending = [{ clientId: "c1", body: "hi", createdAt: at(30, 3), status: "pending" as const }];
    const rows = buildRows({ ...base, messages: [msg(2, alice)], pending });
    expect(rows.map((r) => [r.kind, "groupStart" in r && r.groupStart])).toEqual([
      ["message", true],
      ["pending", false],
    ]);
  });
});
