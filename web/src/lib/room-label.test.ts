import { describe, expect, it } from "vitest";
import { isPrivate, roomLabel } from "./room-label.ts";

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const carol = { id: "u3", username: "carol" };

describe("roomLabel", () => {
  it("names a room by its name", () => {
    expect(roomLabel({ name: "general" }, "u1")).toBe("#general");
    expect(roomLabel({ name: "ops", kind: "room", visibility: "private" }, "u1")).toBe("#ops");
  });
  it("names a DM by the other participants, by name, leaving the user out", () => {
    expect(roomLabel({ name: "dm:u1,u2", kind: "dm", members: [alice, bob] }, "u1")).toBe("bob");
    expect(roomLabel({ name: "dm:u1,u2,u3", kind: "dm", members: [carol, alice, bob] }, "u1")).toBe("bob, carol");
    expect(roomLabel({ name: "dm:u1,u2,u3", kind: "dm", members: [carol, alice, bob] }, "u3")).toBe("alice, bob");
  });
  it("never shows a DM's internal name", () => {
    expect(roomLabel({ name: "dm:u1,u2", kind: "dm" }, "u1")).toBe("Direct message");
  });
});

describe("isPrivate", () => {
  it("holds for private rooms and every DM", () => {
    expect([isPrivate({}), isPrivate({ visibility: "public" }), isPrivate({ visibility: "private" }), isPrivate({ kind: "dm" })]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
