import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import type { Member } from "@parley/protocol";
import { createSuggestionsStore, SUGGEST_DELAY_MS } from "../state/suggestions-store.ts";
import { Composer } from "./composer.tsx";

const MEMBERS: Member[] = [
  { id: "u2", username: "bob", online: false },
  { id: "u3", username: "bea", online: true },
  { id: "u4", username: "carol", online: true },
];

/** A composer whose `@` offers MEMBERS (counting how often they are read), with its suggestions going to a stub. */
function setup() {
  const requests: { requestId: string }[] = [];
  const sent: string[] = [];
  const onEditLast = vi.fn(() => true);
  const candidates = vi.fn(() => MEMBERS);
  const suggestions = createSuggestionsStore({
    request: (_r, _t, requestId) => requests.push({ requestId }),
    storage: { getItem: () => null, setItem: () => {} },
  });
  render(() => (
    <Composer
      roomId="r1"
      roomName="#general"
      suggestions={suggestions}
      onSend={(b) => sent.push(b)}
      onTyping={() => {}}
      onEditLast={onEditLast}
      mentionCandidates={candidates}
    />
  ));
  const box = screen.getByRole("textbox", { name: "Message #general" }) as HTMLTextAreaElement;
  /** Types `value` with the caret at its end (or at the `|` in it). */
  const type = (value: string) => {
    const caret = value.includes("|") ? value.indexOf("|") : value.length;
    fireEvent.keyDown(box, { key: value.at(-1) ?? "Backspace" });
    box.value = value.replace("|", "");
    box.setSelectionRange(caret, caret);
    fireEvent.input(box);
  };
  const key = (key: string, init: KeyboardEventInit = {}) => fireEvent.keyDown(box, { key, ...init });
  const listbox = () => screen.queryByRole("listbox", { name: "Mention someone" });
  const options = () =>
    screen
      .queryAllByRole("option")
      .map((o) => `${o.getAttribute("aria-selected") === "true" ? ">" : ""}${o.querySelector(".mention-option-name")!.textContent}`);
  return { box, type, key, listbox, options, sent, onEditLast, candidates, suggestions, requests };
}

describe("Composer mention picker", () => {
  afterEach(cleanup);

  it("opens on @ and letters with matching members, online first, and @room/@here; reads members only then", () => {
    const { type, listbox, options, candidates, box } = setup();
    type("hello b");
    expect(listbox()).toBeNull();
    expect(candidates).not.toHaveBeenCalled();
    type("hello @B");
    expect(options()).toEqual([">bea", "bob"]);
    type("hello @");
    expect(options()).toEqual([">bea", "carol", "bob", "@room", "@here"]);
    type("hello @zed");
    expect(listbox()).toBeNull();
    expect(box.hasAttribute("aria-activedescendant")).toBe(false);
  });

  it("points the box at the active option (combobox pattern) and moves it with ↓ and ↑, wrapping", () => {
    const { type, key, options, box, listbox } = setup();
    type("@b");
    expect(box.getAttribute("aria-controls")).toBe(listbox()!.id);
    const activeId = () => box.getAttribute("aria-activedescendant");
    expect(document.getElementById(activeId()!)!.textContent).toContain("bea");
    expect(key("ArrowDown")).toBe(false); // prevented: the caret stays
    expect(options()).toEqual(["bea", ">bob"]);
    expect(document.getElementById(activeId()!)!.textContent).toContain("bob");
    key("ArrowDown");
    expect(options()).toEqual([">bea", "bob"]);
    key("ArrowUp");
    expect(options()).toEqual(["bea", ">bob"]);
  });

  it("Enter and Tab insert @username and a space in place of the typed word, without sending", () => {
    const { type, key, box, sent, listbox } = setup();
    type("ping @b");
    key("ArrowDown");
    key("Enter");
    expect(box.value).toBe("ping @bob ");
    expect(box.selectionStart).toBe(10);
    expect(sent).toEqual([]);
    expect(listbox()).toBeNull();
    type("ping @bob and @c|arol? ok");
    expect(key("Tab")).toBe(false);
    expect(box.value).toBe("ping @bob and @carol ? ok");
    key("Enter");
    expect(sent).toEqual(["ping @bob and @carol ? ok"]);
  });

  it("↑ goes to the picker, not to editing the last message", () => {
    const { type, key, onEditLast, options } = setup();
    type("@");
    key("ArrowUp");
    expect(onEditLast).not.toHaveBeenCalled();
    expect(options().at(-1)).toBe(">@here");
  });

  it("Esc closes it and keeps the draft; it stays closed for that word, and opens for the next", () => {
    const { type, key, box, listbox, sent } = setup();
    type("hi @bo");
    key("Escape");
    expect(listbox()).toBeNull();
    expect(box.value).toBe("hi @bo");
    type("hi @bob");
    expect(listbox()).toBeNull();
    key("Enter");
    expect(sent).toEqual(["hi @bob"]);
    type("and @c");
    expect(listbox()).not.toBeNull();
  });

  it("a click picks an option and the box keeps the focus", () => {
    const { type, box } = setup();
    box.focus();
    type("hey @");
    const carol = screen.getByRole("option", { name: /carol/ });
    expect(fireEvent.mouseDown(carol)).toBe(false); // the box does not lose the focus
    fireEvent.click(carol);
    expect(box.value).toBe("hey @carol ");
    expect(document.activeElement).toBe(box);
  });

  it("keeps the active option within the list when the list shrinks under it", () => {
    const [members, setMembers] = createSignal(MEMBERS);
    const suggestions = createSuggestionsStore({ request: () => {}, storage: { getItem: () => null, setItem: () => {} } });
    render(() => <Composer roomId="r1" roomName="#dev" suggestions={suggestions} onSend={() => {}} onTyping={() => {}} mentionCandidates={members} />);
    const box = screen.getByRole("textbox", { name: "Message #dev" }) as HTMLTextAreaElement;
    box.value = "@b";
    box.setSelectionRange(2, 2);
    fireEvent.input(box);
    fireEvent.keyDown(box, { key: "ArrowDown" });
    setMembers(MEMBERS.filter((m) => m.username !== "bob"));
    expect(document.getElementById(box.getAttribute("aria-activedescendant")!)!.textContent).toContain("bea");
    fireEvent.keyDown(box, { key: "Enter" });
    expect(box.value).toBe("@bea ");
  });

  it("closes when the box loses the focus", () => {
    const { type, box, listbox } = setup();
    type("@b");
    fireEvent.blur(box);
    expect(listbox()).toBeNull();
  });
});

describe("Composer mention picker and ghost text", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it("hides a suggestion while open, and Tab takes the suggestion again once it is closed", async () => {
    const { type, key, box, suggestions, requests } = setup();
    const ghost = () => document.querySelector(".ghost-text")!.textContent;
    const stream = (delta: string) => suggestions.receive({ type: "suggestion", requestId: requests.at(-1)!.requestId, delta, done: true, source: "builtin" });
    type("thanks @b");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    stream("ob for the review");
    expect(ghost()).toBe("");
    key("Tab");
    expect(box.value).toBe("thanks @bea ");
    type("thanks @bea for");
    await vi.advanceTimersByTimeAsync(SUGGEST_DELAY_MS);
    stream(" the review");
    expect(ghost()).toBe(" the review");
    key("Tab");
    expect(box.value).toBe("thanks @bea for the review");
  });
});
