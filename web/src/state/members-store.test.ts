import { describe, expect, it, vi } from "vitest";
import type { Member } from "@parley/protocol";
import { createMembersStore, withPresence } from "./members-store.ts";

const bob: Member = { id: "u2", username: "bob", online: false };

describe("createMembersStore", () => {
  it("loads a room's members once, on the first ask", async () => {
    const load = vi.fn(async () => [bob]);
    const members = createMembersStore(load);
    expect(members.of("r1")).toEqual([]);
    await vi.waitFor(() => expect(members.of("r1")).toEqual([bob]));
    members.of("r1");
    expect(load).toHaveBeenCalledTimes(1);
    members.of("r2");
    expect(load.mock.calls).toEqual([["r1"], ["r2"]]);
  });

  it("tries again at the next ask after a failed load", async () => {
    const load = vi.fn().mockRejectedValueOnce(new Error("network")).mockResolvedValue([bob]);
    const members = createMembersStore(load);
    members.of("r1");
    await vi.waitFor(() => expect(load).toHaveBeenCalledTimes(1));
    await Promise.resolve();
    members.of("r1");
    await vi.waitFor(() => expect(members.of("r1")).toEqual([bob]));
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe("withPresence", () => {
  it("takes who is online from live presence, and adds who joined since the list was loaded", () => {
    const carol = { id: "u3", username: "carol" };
    expect(
      withPresence(
        [
          { ...bob, online: true },
          { id: "u1", username: "alice", online: false },
        ],
        [{ id: "u1", username: "alice" }, carol],
      ),
    ).toEqual([
      { ...bob, online: false },
      { id: "u1", username: "alice", online: true },
      { ...carol, online: true },
    ]);
  });
});
