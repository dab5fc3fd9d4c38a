import { describe, expect, it } from "vitest";
import type { AccessFields, RoomRole } from "../transport/http-client.ts";
import { roomPowers } from "./room-powers.ts";

const targets: (RoomRole | undefined)[] = ["owner", "moderator", "member", undefined];
/** [invite, settings, roles, may remove an owner, a moderator, a member, someone of unknown role]. */
const table = (room: AccessFields, admin = false) => {
  const p = roomPowers(room, admin);
  return [p.invite, p.settings, p.roles, ...targets.map(p.remove)];
};

describe("roomPowers", () => {
  it.each([
    ["owner", "public", [true, true, true, true, true, true, true]],
    ["moderator", "public", [true, true, false, false, false, true, true]],
    ["member", "public", [true, false, false, false, false, false, false]],
    ["owner", "private", [true, true, true, true, true, true, true]],
    ["moderator", "private", [true, true, false, false, false, true, true]],
    ["member", "private", [false, false, false, false, false, false, false]],
  ] as const)("a room's %s (%s room)", (role, visibility, expected) => {
    expect(table({ kind: "room", visibility, role })).toEqual(expected);
  });

  it("a server admin moderates a room they are not in, but does not change roles or invite to a private one", () => {
    expect(table({ kind: "room", visibility: "private" }, true)).toEqual([false, true, false, false, false, true, true]);
    expect(table({ kind: "room", visibility: "public" }, true)).toEqual([true, true, false, false, false, true, true]);
    expect(table({ kind: "room", visibility: "public", role: "owner" }, true)).toEqual([true, true, true, true, true, true, true]);
  });

  it("a DM has no moderation, for anyone", () => {
    expect(table({ kind: "dm", visibility: "private", role: "member" }, true)).toEqual([false, false, false, false, false, false, false]);
    expect(table({ kind: "dm", role: "owner" })).toEqual([false, false, false, false, false, false, false]);
  });

  it("a non-member of a public room invites no one", () => {
    expect(roomPowers({ kind: "room", visibility: "public" }, false).invite).toBe(false);
  });
});
