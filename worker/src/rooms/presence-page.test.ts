import type { User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { presencePage } from "./presence-page.ts";

const users = Array.from({ length: 7 }, (_, i): User => ({ id: `id-${i}`, username: `user${i}` })).reverse();

describe("presencePage", () => {
  it("answers {online} alone when everything fits, sorted by name", () => {
    expect(presencePage(users, { limit: 500 })).toEqual({ online: [...users].reverse() });
  });

  it("pages with next until the last page, which has none", () => {
    const seen: string[] = [];
    let page = presencePage(users, { limit: 3 });
    seen.push(...page.online.map((u) => u.username));
    while (page.next) {
      page = presencePage(users, { limit: 3, cursor: page.next });
      seen.push(...page.online.map((u) => u.username));
    }
    expect(seen).toEqual(users.map((u) => u.username).sort());
    expect(page).not.toHaveProperty("next");
  });

  it("goes on after the cursor's place when its user went offline", () => {
    const first = presencePage(users, { limit: 2 });
    const without = users.filter((u) => u.username !== "user1");
    expect(presencePage(without, { limit: 2, cursor: first.next }).online.map((u) => u.username)).toEqual(["user2", "user3"]);
  });

  it("refuses a cursor it did not make", () => {
    expect(() => presencePage(users, { limit: 2, cursor: "not-a-cursor" })).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });
});
