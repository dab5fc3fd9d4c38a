import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import type { Message } from "@parley/protocol";
import { createTimelineStore } from "../state/timeline-store.ts";
import { stubLayout } from "../test/layout-stub.ts";
import type { Conversation } from "./conversation.ts";
import { MessageList } from "./message-list.tsx";

stubLayout();
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const msg = (seq: number, user = bob, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user,
  body: `message ${seq}`,
  clientId: null,
  createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
  ...extra,
});

/** The timeline signed in as alice, with a conversation whose calls are recorded. */
function setup(messages: Message[], options: { moderates?: boolean; threads?: boolean } = {}) {
  const store = createTimelineStore();
  store.ensure("r1");
  const conversation = {
    moderates: options.moderates,
    edit: vi.fn(async (_m: Message, _body: string) => {}),
    remove: vi.fn(async (_m: Message) => {}),
    toggleReaction: vi.fn(async (_m: Message, _emoji: string) => {}),
    whoReacted: vi.fn(async (_m: Message) => [{ emoji: "👍", count: 2, me: true, users: [alice, bob] }]),
    openThread: options.threads ? vi.fn((_parentId: string) => {}) : undefined,
  } satisfies Conversation;
  const [editing, setEditing] = createSignal<string>();
  render(() => (
    <MessageList
      timeline={store.get("r1")!}
      roomName="#general"
      me={alice}
      lastRead={0}
      onLoadOlder={() => {}}
      onRetry={() => {}}
      onDiscard={() => {}}
      conversation={conversation}
      editing={editing()}
      onEditingChange={setEditing}
    />
  ));
  store.page("r1", messages, false);
  const article = (seq: number) => document.querySelector<HTMLElement>(`.message[data-seq="${seq}"]`)!;
  /** The row's actions bar is made when the row holds the focus (or the pointer): the keyboard's way in. */
  const reveal = (seq: number) => (fireEvent.focusIn(article(seq)), article(seq));
  const buttonsOf = (seq: number) => [...reveal(seq).querySelectorAll(".message-actions button")].map((b) => b.getAttribute("aria-label"));
  /** A button of a message by its label (jsdom's selectors do not match emoji in attribute values). */
  const button = (seq: number, label: string) => [...reveal(seq).querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === label)!;
  return { store, conversation, article, buttonsOf, button, setEditing, editing };
}

describe("message actions, reactions and edits", () => {
  afterEach(() => (cleanup(), vi.unstubAllGlobals()));

  it("offers quick reactions, the picker and Copy link on every message, Edit and Delete on ours, all labelled buttons", async () => {
    const { buttonsOf, conversation, button } = setup([msg(1, alice), msg(2, bob)]);
    await settle();
    const common = ["React with 👍", "React with ❤️", "React with 😂", "React with 🎉", "React with 👀", "Add reaction"];
    expect(buttonsOf(1)).toEqual([...common, "Edit message", "Delete message", "Copy link to message"]);
    expect(buttonsOf(2)).toEqual([...common, "Copy link to message"]);
    fireEvent.click(button(2, "React with 🎉"));
    expect(conversation.toggleReaction).toHaveBeenCalledWith(expect.objectContaining({ id: "m2" }), "🎉");
  });

  it("lets the room's owners and moderators delete anyone's message, after confirming", async () => {
    const { buttonsOf, conversation, article } = setup([msg(1, bob)], { moderates: true });
    await settle();
    expect(buttonsOf(1)).toContain("Delete message");
    const confirm = vi.fn(() => false);
    vi.stubGlobal("confirm", confirm);
    fireEvent.click(article(1).querySelector("[aria-label='Delete message']")!);
    expect(confirm).toHaveBeenCalledOnce();
    expect(conversation.remove).not.toHaveBeenCalled();
    confirm.mockReturnValue(true);
    fireEvent.click(article(1).querySelector("[aria-label='Delete message']")!);
    expect(conversation.remove).toHaveBeenCalledWith(expect.objectContaining({ id: "m1" }));
  });

  it("copies a link to the message", async () => {
    const writeText = vi.fn(async (_text: string) => {});
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    const { article, button } = setup([msg(1, bob)]);
    await settle();
    fireEvent.click(button(1, "Copy link to message"));
    expect(writeText).toHaveBeenCalledWith(`${location.origin}/#/rooms/r1?m=m1`);
    await waitFor(() => expect(article(1).querySelector("[aria-label='Link copied']")).toBeTruthy());
  });

  it("shows reactions with counts, ours highlighted and pending until the event, and names who reacted on hover", async () => {
    const { store, article, conversation } = setup([
      msg(1, bob, {
        reactions: [
          { emoji: "👍", count: 2, me: true },
          { emoji: "🎉", count: 1, me: false },
        ],
      }),
    ]);
    await settle();
    const chips = () => [...article(1).querySelectorAll<HTMLButtonElement>(".reaction")];
    expect(chips().map((c) => [c.textContent, c.getAttribute("aria-pressed")])).toEqual([
      ["👍 2", "true"],
      ["🎉 1", "false"],
    ]);
    fireEvent.pointerEnter(chips()[0]!);
    await waitFor(() => expect(chips()[0]!.getAttribute("aria-label")).toBe("👍 2 reactions: alice, bob"));
    expect(conversation.whoReacted).toHaveBeenCalledOnce();
    fireEvent.focus(chips()[0]!);
    expect(conversation.whoReacted).toHaveBeenCalledOnce();

    store.wantReaction("r1", "m1", "🎉");
    await settle();
    expect(chips()[1]!.classList.contains("pending")).toBe(true);
    // A click while pending asks nothing more.
    fireEvent.click(chips()[1]!);
    expect(conversation.toggleReaction).not.toHaveBeenCalled();
    store.event({ type: "event", roomId: "r1", seq: 2, kind: "reaction.added", at: "", reaction: { messageId: "m1", emoji: "🎉", user: alice } }, alice.id);
    await settle();
    expect(chips().map((c) => [c.textContent, c.getAttribute("aria-pressed"), c.classList.contains("pending")])).toEqual([
      ["👍 2", "true", false],
      ["🎉 2", "true", false],
    ]);
    fireEvent.click(chips()[0]!);
    expect(conversation.toggleReaction).toHaveBeenCalledWith(expect.objectContaining({ id: "m1" }), "👍");
  });

  it("says when a reaction could not be stored", async () => {
    const { article, button, conversation } = setup([msg(1, bob)]);
    conversation.toggleReaction.mockRejectedValueOnce(new Error("Sending too fast."));
    await settle();
    fireEvent.click(button(1, "React with 👍"));
    await waitFor(() => expect(article(1).querySelector("[role=alert]")?.textContent).toBe("Sending too fast."));
  });

  it("edits in place: Shift+Enter is a new line, Esc cancels, Enter saves, and a refusal shows under the box", async () => {
    const { article, conversation, editing, button } = setup([msg(1, alice)]);
    await settle();
    fireEvent.click(button(1, "Edit message"));
    await settle();
    const box = () => screen.queryByRole("textbox", { name: "Edit message" }) as HTMLTextAreaElement | null;
    expect(box()!.value).toBe("message 1");
    expect(document.activeElement).toBe(box());
    expect(article(1).querySelector(".message-actions")).toBeNull();
    fireEvent.keyDown(box()!, { key: "Escape" });
    await settle();
    expect(box()).toBeNull();
    expect(editing()).toBeUndefined();
    expect(article(1).querySelector(".message-body")!.textContent).toBe("message 1");

    fireEvent.click(article(1).querySelector("[aria-label='Edit message']")!);
    await settle();
    box()!.value = "message one";
    fireEvent.keyDown(box()!, { key: "Enter", shiftKey: true });
    expect(conversation.edit).not.toHaveBeenCalled();
    conversation.edit.mockRejectedValueOnce(new Error("Messages can be at most 4000 characters."));
    fireEvent.keyDown(box()!, { key: "Enter" });
    await waitFor(() => expect(article(1).querySelector(".message-editor [role=alert]")?.textContent).toBe("Messages can be at most 4000 characters."));
    fireEvent.keyDown(box()!, { key: "Enter" });
    expect(conversation.edit).toHaveBeenLastCalledWith(expect.objectContaining({ id: "m1" }), "message one");
    await waitFor(() => expect(box()).toBeNull());
  });

  it("marks an edited message with its edit time and shows a deleted one as a tombstone with no actions or reactions", async () => {
    const { store, article, setEditing } = setup([msg(1, alice, { reactions: [{ emoji: "👍", count: 1, me: false }] }), msg(2, alice)]);
    store.event(
      { type: "event", roomId: "r1", seq: 3, kind: "message.edited", at: "", message: { id: "m2", body: "better", editedAt: "2026-01-01T12:30:00.000Z" } },
      alice.id,
    );
    store.event({ type: "event", roomId: "r1", seq: 4, kind: "message.deleted", at: "", message: { id: "m1", body: "", deleted: true } }, alice.id);
    await settle();
    const mark = article(2).querySelector(".edited")!;
    expect(mark.textContent).toBe("(edited)");
    expect(mark.getAttribute("title")).toMatch(/^Edited .*2026/);
    expect(article(2).querySelector(".message-body")!.textContent).toBe("better");
    expect(article(1).querySelector(".message-body")!.textContent).toBe("This message was deleted.");
    expect(article(1).querySelector(".message-actions, .reactions, .edited")).toBeNull();
    // A deleted message cannot be edited, even when asked to.
    setEditing("m1");
    await settle();
    expect(article(1).querySelector("textarea")).toBeNull();
  });
});

describe("the actions bar", () => {
  afterEach(cleanup);
  it("is made only for the row under the pointer or holding the focus, not for every row on screen", async () => {
    const { article } = setup([msg(1, alice), msg(2, bob), msg(3, bob)]);
    await settle();
    expect(document.querySelectorAll(".message-actions")).toHaveLength(0);
    fireEvent.pointerEnter(article(2));
    expect([...document.querySelectorAll(".message-actions")].map((bar) => bar.closest(".message")!.getAttribute("data-seq"))).toEqual(["2"]);
    fireEvent.pointerLeave(article(2));
    expect(document.querySelectorAll(".message-actions")).toHaveLength(0);
    expect(article(3).getAttribute("tabindex")).toBe("0");
  });

  it("offers Reply in thread on top-level messages, shows a parent's replies, and links a reply sent to the room to its thread", async () => {
    const parent = msg(1, bob, { replyCount: 2, lastReplyAt: msg(3).createdAt });
    const { buttonsOf, button, conversation, article, store } = setup([parent, msg(2, alice), msg(3, bob, { parentId: "m1", alsoToRoom: true })], {
      threads: true,
    });
    await settle();
    expect(buttonsOf(2)).toContain("Reply in thread");
    // A reply's thread is its parent's: it offers no thread of its own.
    expect(buttonsOf(3)).not.toContain("Reply in thread");
    fireEvent.click(button(2, "Reply in thread"));
    expect(conversation.openThread).toHaveBeenLastCalledWith("m2");
    const summary = article(1).querySelector<HTMLButtonElement>(".thread-summary")!;
    expect(summary.textContent).toMatch(/^2 replies · last reply /);
    fireEvent.click(summary);
    expect(conversation.openThread).toHaveBeenLastCalledWith("m1");
    fireEvent.click(screen.getByRole("button", { name: "Replied in a thread" }));
    expect(conversation.openThread).toHaveBeenLastCalledWith("m1");
    // A new reply counts on its parent live.
    store.add("r1", [msg(4, alice, { parentId: "m1" })]);
    await waitFor(() => expect(article(1).querySelector(".thread-summary")!.textContent).toMatch(/^3 replies/));
    expect(article(4)).toBeNull();
  });

  it("offers no thread where there is none to open (the thread panel's own rows)", async () => {
    const { buttonsOf, article } = setup([msg(1, bob, { replyCount: 1, lastReplyAt: msg(2).createdAt })]);
    await settle();
    expect(buttonsOf(1)).not.toContain("Reply in thread");
    expect(article(1).querySelector(".thread-summary")).toBeNull();
  });
});
