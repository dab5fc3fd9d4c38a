import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import type { SearchPage, SearchResult } from "@parley/protocol";
import type { SearchPages } from "../state/search-store.ts";
import { isSearchKey, SearchBox, SnippetText } from "./search-box.tsx";

const result = (id: string, seq: number, snippet: SearchResult["snippet"]): SearchResult => ({
  message: {
    id,
    roomId: "r1",
    seq,
    user: { id: "u1", username: "alice" },
    body: snippet.map((p) => p.text).join(""),
    clientId: null,
    createdAt: new Date().toISOString(),
  },
  room: { id: "r1", name: "ops" },
  snippet,
});
const first = result("m1", 7, [{ text: "the " }, { text: "deploy", match: true }, { text: " <b>failed</b>" }]);
const second = result("m2", 3, [{ text: "deploy", match: true }, { text: " again" }]);

function setup(pages: SearchPages = vi.fn(async (): Promise<SearchPage> => ({ results: [first, second], next: null }))) {
  const opened: SearchResult[] = [];
  render(() => (
    <>
      <button type="button">elsewhere</button>
      <SearchBox pages={pages} onOpen={(r) => opened.push(r)} />
    </>
  ));
  const input = screen.getByRole("searchbox", { name: "Search messages" }) as HTMLInputElement;
  const search = (q: string) => {
    fireEvent.input(input, { target: { value: q } });
    fireEvent.submit(input.form!);
  };
  return { opened, input, search };
}

describe("SnippetText", () => {
  afterEach(cleanup);

  it("renders matches as <mark> and markup in the text as text", () => {
    const { container } = render(() => <SnippetText parts={first.snippet} />);
    expect(container.innerHTML).toBe("the <mark>deploy</mark> &lt;b&gt;failed&lt;/b&gt;");
  });
});

describe("SearchBox", () => {
  afterEach(cleanup);

  it("searches on Enter and lists room, author and highlighted snippet; choosing a result opens it", async () => {
    const pages = vi.fn(async (): Promise<SearchPage> => ({ results: [first, second], next: null }));
    const { opened, search } = setup(pages);
    search("deploy in:ops");
    expect(pages).toHaveBeenCalledWith("deploy in:ops", {});
    const region = await screen.findByRole("region", { name: "Search results" });
    await waitFor(() => expect(region.querySelectorAll(".search-result")).toHaveLength(2));
    const [top] = region.querySelectorAll<HTMLButtonElement>(".search-result");
    expect(top!.querySelector(".search-result-room")!.textContent).toBe("# ops");
    expect(top!.querySelector(".search-result-author")!.textContent).toBe("alice");
    expect([...top!.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["deploy"]);
    fireEvent.click(top!);
    expect(opened.map((r) => r.message.id)).toEqual(["m1"]);
    expect(screen.queryByRole("region", { name: "Search results" })).toBeNull();
  });

  it("explains a bad query without a request, and says when nothing matches", async () => {
    const pages = vi.fn(async () => ({ results: [], next: null }));
    const { search } = setup(pages);
    search("hi after:someday");
    expect(screen.getByRole("alert").textContent).toMatch(/after: must be a date/);
    expect(pages).not.toHaveBeenCalled();
    search("zebra");
    expect((await screen.findByText(/No messages match/)).textContent).toMatch(/from:/);
  });

  it("loads more results with the cursor of the page before", async () => {
    const pages = vi.fn(async (_q: string, page: { cursor?: string }) => (page.cursor ? { results: [second], next: null } : { results: [first], next: "c1" }));
    const { search } = setup(pages);
    search("deploy");
    fireEvent.click(await screen.findByRole("button", { name: "More results" }));
    await waitFor(() => expect(document.querySelectorAll(".search-result")).toHaveLength(2));
    expect(pages).toHaveBeenLastCalledWith("deploy", { cursor: "c1" });
    expect(screen.queryByRole("button", { name: "More results" })).toBeNull();
  });

  it("/ and Ctrl+Shift+F put the focus in the box; / typed in a field is just a slash; Esc closes the results", async () => {
    const { input, search } = setup();
    fireEvent.keyDown(document.body, { key: "/" });
    expect(document.activeElement).toBe(input);
    screen.getByRole("button", { name: "elsewhere" }).focus();
    fireEvent.keyDown(document.activeElement!, { key: "F", ctrlKey: true, shiftKey: true });
    expect(document.activeElement).toBe(input);
    expect(isSearchKey(new KeyboardEvent("keydown", { key: "/" }))).toBe(true);
    const typing = new KeyboardEvent("keydown", { key: "/" });
    Object.defineProperty(typing, "target", { value: document.createElement("textarea") });
    expect(isSearchKey(typing)).toBe(false);
    search("deploy");
    await screen.findByRole("region", { name: "Search results" });
    fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(document.activeElement?.classList.contains("search-result")).toBe(true);
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("region", { name: "Search results" })).toBeNull();
    expect(document.activeElement).toBe(input);
  });
});
