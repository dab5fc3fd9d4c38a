import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { createDraftsStore } from "../state/drafts-store.ts";
import { createSuggestionsStore, SUGGEST_DELAY_MS } from "../state/suggestions-store.ts";
import { Composer } from "./composer.tsx";

/** The composer against a suggestions store whose `suggest` frames go to a stub instead of a socket. */
function setup(storage = new Map<string, string>()) {
  const requests: { roomId: string; text: string; requestId: string }[] = [];
  const sent: string[] = [];
  const store = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) };
  const suggestions = createSuggestionsStore({ request: (roomId, text, requestId) => requests.push({ roomId, text, requestId }), storage: store });
  render(() => <Composer roomId="r1" roomName="#general" suggestions={suggestions} onSend={(b) => sent.push(b)} onTyping={() => {}} />);
  const box = screen.getByRole("textbox", { name: "Message #general" }) as HTMLTextAreaElement;
  const type = (value: string) => {
    fireEvent.keyDown(box, { key: value.at(-1) ?? "Backspace" });
    box.value = value;
    box.setSelectionRange(value.length, value.length);
    fireEvent.input(box);
  };
  const stream = (delta: string, done = false, n = requests.length - 1) =>
    suggestions.receive({ type: "suggestion", requestId: requests[n]!.requestId, delta, done, source: "builtin" });
  const ghost = () => document.querySelector(".ghost-text")!.textContent;
  return { box, type, stream, ghost, requests, sent, suggestions, storage };
}

describe("Composer ghost text", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it("asks for a suggestion after a pause and streams it in after the cursor", async () => {
    const { type, stream, ghost, requests, box } = setup();
    type("see you tom");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS - 10);
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(requests).toMatchObject([{ roomId: "r1", text: "see you tom" }]);
    stream("orrow");
    expect(ghost()).toBe("orrow");
    stream(" morning", true);
    expect(ghost()).toBe("orrow morning");
    expect(box.title).toBe("Suggestion from builtin");
  });

  it("Tab accepts all of it", async () => {
    const { type, stream, ghost, box } = setup();
    type("see you tom");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    stream("orrow morning", true);
    fireEvent.keyDown(box, { key: "Tab" });
    expect(box.value).toBe("see you tomorrow morning");
    expect(ghost()).toBe("");
  });

  it("Ctrl+→ accepts one word and keeps the rest", async () => {
    const { type, stream, ghost, box } = setup();
    type("see you");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    stream(" tomorrow morning", true);
    fireEvent.keyDown(box, { key: "ArrowRight", ctrlKey: true });
    expect(box.value).toBe("see you tomorrow");
    expect(ghost()).toBe(" morning");
  });

  it("Esc dismisses it, and Tab then moves focus as usual", async () => {
    const { type, stream, ghost, box } = setup();
    type("see you");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    stream(" soon", true);
    fireEvent.keyDown(box, { key: "Escape" });
    expect(ghost()).toBe("");
    const tab = fireEvent.keyDown(box, { key: "Tab" });
    expect(tab).toBe(true); // not prevented
    expect(box.value).toBe("see you");
  });

  it("any keystroke cancels the one in flight: its late deltas are ignored", async () => {
    const { type, stream, ghost, requests } = setup();
    type("see you");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    stream(" to");
    type("see you l");
    expect(ghost()).toBe("");
    stream("morrow", true, 0);
    expect(ghost()).toBe("");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    expect(requests.map((r) => r.text)).toEqual(["see you", "see you l"]);
    stream("ater", true);
    expect(ghost()).toBe("ater");
  });

  it("the toggle turns suggestions off and is remembered", async () => {
    const storage = new Map<string, string>();
    const first = setup(storage);
    first.suggestions.setEnabled(false);
    first.type("hello");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS * 2);
    expect(first.requests).toEqual([]);
    cleanup();
    const again = setup(storage);
    expect(again.suggestions.enabled()).toBe(false);
  });

  it("Enter sends the trimmed text and clears the box; Shift+Enter does not send", async () => {
    const { type, box, sent } = setup();
    type("  hello there  ");
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(sent).toEqual([]);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(sent).toEqual(["hello there"]);
    expect(box.value).toBe("");
  });
});

describe("Composer drafts and focus", () => {
  afterEach(cleanup);

  /** A composer whose room can be switched, over a shared in-memory storage (a reload keeps it). */
  function mount(storage: Map<string, string>) {
    const store = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    };
    const suggestions = createSuggestionsStore({ request: () => {}, storage: store });
    const drafts = createDraftsStore(store, "u1");
    const [roomId, setRoomId] = createSignal("r1");
    render(() => <Composer roomId={roomId()} roomName="#room" drafts={drafts} suggestions={suggestions} onSend={() => {}} onTyping={() => {}} />);
    const box = screen.getByRole("textbox", { name: "Message #room" }) as HTMLTextAreaElement;
    const type = (value: string) => {
      box.value = value;
      fireEvent.input(box);
    };
    return { box, type, setRoomId };
  }

  it("keeps each room's draft while switching rooms and across a reload, and forgets it once sent", () => {
    const storage = new Map<string, string>();
    const first = mount(storage);
    first.type("half a thought");
    first.setRoomId("r2");
    expect(first.box.value).toBe("");
    first.type("for room two");
    first.setRoomId("r1");
    expect(first.box.value).toBe("half a thought");
    cleanup();

    const reloaded = mount(storage);
    expect(reloaded.box.value).toBe("half a thought");
    fireEvent.keyDown(reloaded.box, { key: "Enter" });
    expect(reloaded.box.value).toBe("");
    reloaded.setRoomId("r2");
    expect(reloaded.box.value).toBe("for room two");
    expect([...storage.keys()].filter((k) => k.startsWith("parley.draft."))).toEqual(["parley.draft.u1.r2"]);
  });

  it("takes the focus when it opens and when the room changes", () => {
    const { box, setRoomId } = mount(new Map());
    expect(document.activeElement).toBe(box);
    box.blur();
    setRoomId("r2");
    expect(document.activeElement).toBe(box);
  });
});

describe("Composer ↑", () => {
  afterEach(cleanup);

  it("edits our last message from an empty box only, and leaves ↑ alone when there is none", () => {
    const onEditLast = vi.fn(() => true);
    const suggestions = createSuggestionsStore({ request: () => {}, storage: { getItem: () => null, setItem: () => {} } });
    render(() => <Composer roomId="r1" roomName="#general" suggestions={suggestions} onSend={() => {}} onTyping={() => {}} onEditLast={onEditLast} />);
    const box = screen.getByRole("textbox", { name: "Message #general" }) as HTMLTextAreaElement;
    expect(fireEvent.keyDown(box, { key: "ArrowUp" })).toBe(false);
    expect(onEditLast).toHaveBeenCalledOnce();
    box.value = "draft";
    fireEvent.input(box);
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(onEditLast).toHaveBeenCalledOnce();
    box.value = "";
    fireEvent.input(box);
    onEditLast.mockReturnValue(false);
    // Nothing to edit: the key does what it does in any text box.
    expect(fireEvent.keyDown(box, { key: "ArrowUp" })).toBe(true);
  });
});
