import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { adjacentRoom, QuickSwitcher, switcherChoices } from "./quick-switcher.tsx";

const rooms = [
  { id: "r1", name: "design" },
  { id: "r2", name: "general" },
  { id: "r3", name: "random" },
];
const unread: Record<string, number> = { r3: 4 };

/** The switcher over three joined rooms (#random has 4 unread), with a button that had the focus before. */
function setup(current?: string) {
  const opened: string[] = [];
  const [room, setRoom] = createSignal(current);
  render(() => (
    <>
      <button type="button">before</button>
      <QuickSwitcher rooms={rooms} unread={(id) => unread[id] ?? 0} current={room()} onOpen={(id) => (opened.push(id), setRoom(id))} />
    </>
  ));
  const before = screen.getByRole("button", { name: "before" });
  before.focus();
  const press = (key: string, init: KeyboardEventInit = {}) => fireEvent.keyDown(document.activeElement ?? document.body, { key, ...init });
  return { opened, before, press };
}
const options = () => screen.getAllByRole("option").map((o) => o.textContent);

describe("QuickSwitcher", () => {
  afterEach(cleanup);

  it("Ctrl+K opens a labelled dialog with the focus in its filter, unread rooms first", () => {
    const { press } = setup();
    expect(screen.queryByRole("dialog")).toBeNull();
    press("k", { ctrlKey: true });
    const dialog = screen.getByRole("dialog", { name: "Jump to a room" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(screen.getByRole("combobox", { name: "Room name" }));
    expect(options()).toEqual(["#random4 unread", "#design", "#general"]);
  });

  it("filters as one types, ↑/↓ choose, Enter opens the room", () => {
    const { press, opened } = setup();
    press("k", { metaKey: true });
    const filter = screen.getByRole("combobox");
    fireEvent.input(filter, { target: { value: "#E" } });
    expect(options()).toEqual(["#design", "#general"]);
    press("ArrowDown");
    expect(filter.getAttribute("aria-activedescendant")).toBe("switcher-r2");
    press("ArrowDown");
    press("Enter");
    expect(opened).toEqual(["r1"]);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("keeps Tab inside, and Esc closes it and gives the focus back", () => {
    const { press, before } = setup();
    press("k", { ctrlKey: true });
    const filter = screen.getByRole("combobox");
    expect(press("Tab")).toBe(false);
    expect(document.activeElement).toBe(filter);
    press("Escape");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(before);
  });

  it("Alt+↑/↓ move to the previous and next room in the sidebar's order", () => {
    const { press, opened } = setup("r2");
    press("ArrowDown", { altKey: true });
    press("ArrowDown", { altKey: true });
    press("ArrowUp", { altKey: true });
    expect(opened).toEqual(["r3", "r2"]);
  });
});

describe("switcher helpers", () => {
  it("ranks unread first and steps through the rooms without wrapping", () => {
    expect(switcherChoices(rooms, (id) => unread[id] ?? 0, "an").map((r) => r.id)).toEqual(["r3"]);
    expect(adjacentRoom(rooms, undefined, 1)).toBe("r1");
    expect(adjacentRoom(rooms, undefined, -1)).toBe("r3");
    expect(adjacentRoom(rooms, "r1", -1)).toBe("r1");
  });
});
