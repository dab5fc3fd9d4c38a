import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@solidjs/testing-library";
import type { Message } from "@parley/protocol";
import { createTimelineStore } from "../state/timeline-store.ts";
import { stubLayout } from "../test/layout-stub.ts";
import { MessageList } from "./message-list.tsx";
import { mentionsMe } from "./mentions-me.ts";

stubLayout();

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const msg = (seq: number, user: typeof alice, body: string, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user,
  body,
  clientId: null,
  createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
  ...extra,
});

describe("mentionsMe", () => {
  it("is true when the server lists me, or someone else says @room or @here", () => {
    expect(mentionsMe(msg(1, bob, "@alice hi", { mentions: ["u1"] }), alice)).toBe(true);
    expect(mentionsMe(msg(2, bob, "@alice hi"), alice)).toBe(false); // the server decides who was named
    expect(mentionsMe(msg(3, bob, "hi @carol", { mentions: ["u3"] }), alice)).toBe(false);
    expect(mentionsMe(msg(4, bob, "standup now @here"), alice)).toBe(true);
    expect(mentionsMe(msg(5, bob, "@Room: release"), alice)).toBe(true);
    expect(mentionsMe(msg(6, alice, "@room release"), alice)).toBe(false);
    expect(mentionsMe(msg(7, bob, "@here", { deleted: true }), alice)).toBe(false);
    expect(mentionsMe(msg(8, bob, "mail room@example.com"), alice)).toBe(false);
  });
});

describe("a row that mentions me", () => {
  afterEach(cleanup);

  it("is highlighted and says so to a screen reader; others are not", async () => {
    const store = createTimelineStore();
    store.ensure("r1");
    render(() => (
      <MessageList timeline={store.get("r1")!} roomName="#general" me={alice} lastRead={0} onLoadOlder={() => {}} onRetry={() => {}} onDiscard={() => {}} />
    ));
    store.page(
      "r1",
      [msg(1, bob, "@alice can you look?", { mentions: ["u1"] }), msg(2, bob, "and @carol too", { mentions: ["u3"] }), msg(3, alice, "@here ok")],
      false,
    );
    const row = (seq: number) => document.querySelector<HTMLElement>(`.message[data-seq="${seq}"]`)!;
    await expect.poll(() => row(1)).toBeTruthy();
    expect([1, 2, 3].map((seq) => row(seq).classList.contains("mentioned"))).toEqual([true, false, false]);
    expect(row(1).getAttribute("aria-label")).toMatch(/^bob at .*, mentions you$/);
  });
});
