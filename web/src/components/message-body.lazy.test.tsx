import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render } from "@solidjs/testing-library";
import { MessageBody } from "./message-body.tsx";

/** The Markdown chunk's import, held until the test lets it resolve. */
const chunk = vi.hoisted(() => {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  return { released, release: () => release() };
});
vi.mock("../lib/markdown.tsx", async (importOriginal) => {
  await chunk.released;
  return importOriginal();
});

describe("MessageBody's lazy formatter", () => {
  afterEach(cleanup);

  it("shows Markdown as plain text until the chunk is loaded, then formats it, and formats later rows at once", async () => {
    const first = render(() => <MessageBody text="**bold** move" />);
    const body = () => first.container.querySelector(".message-body")!;
    expect(body().tagName).toBe("P");
    expect(body().textContent).toBe("**bold** move");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(body().querySelector("strong")).toBeNull();

    chunk.release();
    await vi.waitFor(() => expect(body().querySelector("strong")?.textContent).toBe("bold"));
    expect(body().classList.contains("formatted")).toBe(true);

    const later = render(() => <MessageBody text="_right away_" />);
    expect(later.container.querySelector(".message-body.formatted em")?.textContent).toBe("right away");
  });
});
