import { describe, expect, it, vi } from "vitest";
import type { SearchPage, SearchResult } from "@parley/protocol";
import { createSearchStore } from "./search-store.ts";

const result = (id: string): SearchResult => ({
  message: { id, roomId: "r1", seq: 1, user: { id: "u1", username: "alice" }, body: `body ${id}`, clientId: null, createdAt: "2026-03-01T10:00:00.000Z" },
  room: { id: "r1", name: "ops" },
  snippet: [{ text: "body " }, { text: id, match: true }],
});

/** A search whose answers the test releases by hand, in any order. */
function pending() {
  const calls: Array<{ q: string; cursor?: string; answer: (page: SearchPage) => void; fail: (e: Error) => void }> = [];
  const pages = vi.fn(
    (q: string, page: { cursor?: string }) =>
      new Promise<SearchPage>((answer, fail) => {
        calls.push({ q, ...page, answer, fail });
      }),
  );
  return { pages, calls };
}

describe("createSearchStore", () => {
  it("searches, then appends the next page with the cursor it was given", async () => {
    const { pages, calls } = pending();
    const search = createSearchStore(pages);
    const first = search.run("deploy");
    expect(search.status()).toBe("loading");
    calls[0]!.answer({ results: [result("a"), result("b")], next: "c1" });
    await first;
    expect(search.results().map((r) => r.message.id)).toEqual(["a", "b"]);
    expect(search.hasMore()).toBe(true);
    const second = search.more();
    expect(calls[1]).toMatchObject({ q: "deploy", cursor: "c1" });
    calls[1]!.answer({ results: [result("c")], next: null });
    await second;
    expect(search.results().map((r) => r.message.id)).toEqual(["a", "b", "c"]);
    expect(search.hasMore()).toBe(false);
    expect(search.status()).toBe("done");
  });

  it("explains an invalid query without asking the server", () => {
    const { pages } = pending();
    const search = createSearchStore(pages);
    search.run("from:bob before:2026-02-30");
    expect(search.status()).toBe("error");
    expect(search.problem()).toMatch(/before: must be a date/);
    expect(pages).not.toHaveBeenCalled();
  });

  it("drops the answer to a query replaced meanwhile, and shows a failure of the current one", async () => {
    const { pages, calls } = pending();
    const search = createSearchStore(pages);
    const old = search.run("old");
    const current = search.run("new");
    calls[1]!.answer({ results: [result("new")], next: null });
    calls[0]!.answer({ results: [result("old")], next: null });
    await Promise.all([old, current]);
    expect(search.results().map((r) => r.message.id)).toEqual(["new"]);
    const failing = search.run("again");
    calls[2]!.fail(new Error("Too many searches"));
    await failing;
    expect(search.status()).toBe("error");
    expect(search.problem()).toBe("Too many searches");
    search.clear();
    expect([search.status(), search.query(), search.results()]).toEqual(["idle", "", []]);
  });
});
