import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import type { Message } from "@parley/protocol";
import { createTimelineStore } from "../state/timeline-store.ts";
import { stubLayout } from "../test/layout-stub.ts";
import { MessageList } from "./message-list.tsx";

stubLayout();
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const msg = (seq: number, body = `message ${seq}`, user = bob, clientId: string | null = null): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user,
  body,
  clientId,
  createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
});

function setup(options: { lastRead?: number; onLoadOlder?: () => void } = {}) {
  const store = createTimelineStore();
  store.ensure("r1");
  const onLoadOlder = vi.fn(options.onLoadOlder ?? (() => {}));
  const retried: string[] = [];
  render(() => (
    <MessageList
      timeline={store.get("r1")!}
      roomName="#general"
      me={alice}
      lastRead={options.lastRead ?? 0}
      onLoadOlder={onLoadOlder}
      onRetry={(id) => retried.push(id)}
      onDiscard={(id) => store.discard("r1", id)}
    />
  ));
  const bodies = () => [...document.querySelectorAll(".message .message-body")].map((e) => e.textContent);
  return { store, onLoadOlder, retried, bodies };
}

describe("MessageList", () => {
  afterEach(cleanup);

  it("shows messages in seq order, each seq once: a frame at or below the newest applied is not applied again", async () => {
    const { store, bodies } = setup();
    store.page("r1", [msg(2), msg(3)], false);
    store.add("r1", [msg(5), msg(4), msg(3)]);
    store.add("r1", [msg(5)]);
    store.add("r1", [{ ...msg(4), body: "a stale copy" }]);
    await settle();
    expect(bodies()).toEqual(["message 2", "message 3", "message 4", "message 5"]);
  });

  it("shows a send as pending at once and replaces it by the stored message with the same clientId", async () => {
    const { store, bodies } = setup();
    store.page("r1", [msg(1)], false);
    store.addPending("r1", "c-1", "on my way");
    await settle();
    expect(document.querySelector(".message.pending .message-body")?.textContent).toBe("on my way");
    expect(screen.getByText("Sending…")).toBeTruthy();
    // The live broadcast and the ack both carry it: it must appear once.
    store.add("r1", [msg(2, "on my way", alice, "c-1")]);
    store.add("r1", [msg(2, "on my way", alice, "c-1")]);
    await settle();
    expect(bodies()).toEqual(["message 1", "on my way"]);
    expect(document.querySelectorAll(".message.pending")).toHaveLength(0);
  });

  it("says why a send failed and offers retry", async () => {
    const { store, retried } = setup();
    store.page("r1", [], false);
    store.addPending("r1", "c-2", "hello?");
    store.setStatus("r1", "c-2", "failed", "Sending too fast.");
    await settle();
    expect(screen.getByRole("alert").textContent).toContain("Sending too fast.");
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(retried).toEqual(["c-2"]);
  });

  it("pages older history in above what is shown", async () => {
    const { store, onLoadOlder, bodies } = setup({ onLoadOlder: () => store.page("r1", [msg(1), msg(2)], false) });
    // With older messages to come, the oldest held only says how the next one groups.
    store.page("r1", [msg(3), msg(4), msg(5)], true);
    await settle();
    expect(bodies()).toEqual(["message 4", "message 5"]);
    expect(screen.queryByText("This is the beginning of #general.")).toBeNull();
    // Scrolling up to the top loads the older page.
    const log = screen.getByRole("log");
    log.scrollTop = 0;
    fireEvent.scroll(log);
    await settle();
    expect(onLoadOlder).toHaveBeenCalled();
    log.scrollTop = 0;
    fireEvent.scroll(log);
    await settle();
    expect(bodies()).toEqual(["message 1", "message 2", "message 3", "message 4", "message 5"]);
    expect(screen.getByText("This is the beginning of #general.")).toBeTruthy();
  });

  it("says when history could not load and retries it", async () => {
    const { store, onLoadOlder } = setup();
    store.page("r1", [msg(5), msg(6)], true);
    store.setLoading("r1", false, "Cannot reach the server.");
    await settle();
    expect(screen.getByRole("alert").textContent).toContain("Could not load messages: Cannot reach the server.");
    onLoadOlder.mockClear();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(onLoadOlder).toHaveBeenCalledOnce();
  });

  it("groups consecutive messages by author and marks where the unread ones start", async () => {
    const { store } = setup({ lastRead: 2 });
    store.page("r1", [msg(1, "a", alice), msg(2, "b", alice), msg(3, "c", bob), msg(4, "d", bob)], false);
    await settle();
    expect([...document.querySelectorAll(".message.group-start .author")].map((e) => e.textContent)).toEqual(["alice", "bob"]);
    const rows = [...document.querySelectorAll(".new-marker, .message")];
    const marker = rows.findIndex((e) => e.classList.contains("new-marker"));
    expect(rows[marker + 1]?.getAttribute("data-seq")).toBe("3");
    expect(screen.getAllByRole("separator").map((e) => e.getAttribute("aria-label"))).toEqual([expect.any(String), "New messages"]);
  });

  it("draws only the rows near the viewport, however much history is held", async () => {
    const { store } = setup();
    store.page(
      "r1",
      Array.from({ length: 2000 }, (_, i) => msg(i + 1, `m${i + 1}`, i % 3 ? alice : bob)),
      false,
    );
    await settle();
    const drawn = document.querySelectorAll(".message").length;
    expect(drawn).toBeGreaterThan(5);
    expect(drawn).toBeLessThan(100);
  });

  it("renders markup as text and only http(s) links as links", async () => {
    const { store } = setup();
    store.page("r1", [msg(1, `<img src=x onerror="alert(1)"> <b>bold</b> javascript:alert(1) https://parley.example/a?b=1.`)], false);
    await settle();
    const body = document.querySelector(".message-body")!;
    expect(body.querySelector("img, b")).toBeNull();
    expect(body.textContent).toContain(`<img src=x onerror="alert(1)">`);
    expect([...body.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual(["https://parley.example/a?b=1"]);
  });

  it("is a log whose new messages from others are announced once, not re-announced as rows scroll in", async () => {
    const { store } = setup();
    store.page("r1", [msg(1)], false);
    await settle();
    const log = screen.getByRole("log", { name: "Messages in #general" });
    expect(log.getAttribute("aria-live")).toBe("off");
    store.add("r1", [msg(2, "lunch?", bob)]);
    await settle();
    expect(document.querySelector(".timeline-wrap [aria-live=polite]")?.textContent).toBe("bob: lunch?");
  });
});
