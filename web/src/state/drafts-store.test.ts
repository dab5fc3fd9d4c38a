import { describe, expect, it } from "vitest";
import { createDraftsStore } from "./drafts-store.ts";

describe("drafts store", () => {
  it("keeps one draft per user and room, and forgets an empty one", () => {
    const storage = new Map<string, string>();
    const store = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    };
    const alice = createDraftsStore(store, "u1");
    alice.set("r1", "half a thought");
    alice.set("r2", "another");
    expect(alice.get("r1")).toBe("half a thought");
    expect(createDraftsStore(store, "u2").get("r1")).toBe("");
    alice.set("r1", "  ");
    expect(alice.get("r1")).toBe("");
    expect([...storage.keys()]).toEqual(["parley.draft.u1.r2"]);
  });
});
