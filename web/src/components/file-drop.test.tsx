import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render } from "@solidjs/testing-library";
import { createFileDrop, DropTarget } from "./file-drop.tsx";

/** An area taking dropped files, with a child to cross, as a room's column has. */
function setup() {
  const dropped: string[][] = [];
  render(() => {
    const drop = createFileDrop((files) => dropped.push(files.map((f) => f.name)));
    return (
      <div data-testid="area" {...drop.handlers}>
        <DropTarget shown={drop.over()} label="Drop files to send them to #general" />
        <p data-testid="child">timeline</p>
      </div>
    );
  });
  const area = document.querySelector<HTMLElement>("[data-testid=area]")!;
  const child = document.querySelector<HTMLElement>("[data-testid=child]")!;
  const target = () => document.querySelector(".drop-target");
  return { area, child, target, dropped };
}
const carrying = (types: string[], files: File[] = []) => ({ dataTransfer: { types, files, dropEffect: "none" } });

describe("dropping files", () => {
  afterEach(cleanup);

  it("shows the drop target while files are over the area (crossing its children), and hands them over on drop", () => {
    const { area, child, target, dropped } = setup();
    fireEvent.dragEnter(area, carrying(["Files"]));
    fireEvent.dragEnter(child, carrying(["Files"]));
    fireEvent.dragLeave(area, carrying(["Files"]));
    expect(target()?.textContent).toBe("Drop files to send them to #general");
    fireEvent.drop(child, carrying(["Files"], [new File(["x"], "a.png"), new File(["y"], "b.txt")]));
    expect(target()).toBeNull();
    expect(dropped).toEqual([["a.png", "b.txt"]]);
  });

  it("leaving the area hides it; dragged text or links are left alone", () => {
    const { area, target, dropped } = setup();
    fireEvent.dragEnter(area, carrying(["Files"]));
    fireEvent.dragLeave(area, carrying(["Files"]));
    expect(target()).toBeNull();
    fireEvent.dragEnter(area, carrying(["text/plain"]));
    expect(target()).toBeNull();
    fireEvent.drop(area, carrying(["text/plain"]));
    expect(dropped).toEqual([]);
  });
});
