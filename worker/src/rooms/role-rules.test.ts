import { describe, expect, it } from "vitest";
import type { MemberRole } from "@parley/protocol";
import { canSee, rankOf, refusal, type Actor, type RoomAction, type RoomFacts } from "./role-rules.ts";

const PUBLIC: RoomFacts = { kind: "room", visibility: "public" };
const PRIVATE: RoomFacts = { kind: "room", visibility: "private" };
const DM: RoomFacts = { kind: "dm", visibility: "private" };

const who = (role: MemberRole | null, admin = false): Actor => ({ role, admin });
const owner = who("owner");
const moderator = who("moderator");
const member = who("member");
const stranger = who(null);
const admin = who(null, true);

/** The answer's code, or "ok". */
const verdict = (action: RoomAction, actor: Actor, room: RoomFacts, target?: { role: MemberRole | null; self: boolean }) =>
  refusal(action, actor, room, target)?.code ?? "ok";

describe("role rules", () => {
  it.each([
    // action, actor, room, expected
    ["invite", owner, PRIVATE, "ok"],
    ["invite", moderator, PRIVATE, "ok"],
    ["invite", member, PRIVATE, "forbidden"],
    ["invite", admin, PRIVATE, "ok"],
    ["invite", member, PUBLIC, "ok"],
    ["invite", stranger, PUBLIC, "forbidden"],
    ["invite", owner, DM, "invalid_request"],
    ["update", owner, PUBLIC, "ok"],
    ["update", moderator, PRIVATE, "ok"],
    ["update", member, PUBLIC, "forbidden"],
    ["update", admin, PRIVATE, "ok"],
    ["update", member, DM, "invalid_request"],
    ["setRole", owner, PUBLIC, "ok"],
    ["setRole", moderator, PUBLIC, "forbidden"],
    ["setRole", admin, PUBLIC, "forbidden"],
    ["setRole", owner, DM, "invalid_request"],
    ["bans", moderator, PUBLIC, "ok"],
    ["bans", member, PUBLIC, "forbidden"],
    ["bans", admin, PRIVATE, "ok"],
    ["bans", member, DM, "invalid_request"],
  ] as const)("%s by %o in %o: %s", (action, actor, room, expected) => {
    expect(verdict(action, actor, room)).toBe(expected);
  });

  it.each([
    // remover, target role, self, expected
    [owner, "owner", false, "ok"],
    [owner, "moderator", false, "ok"],
    [owner, "member", false, "ok"],
    [owner, "owner", true, "invalid_request"],
    [moderator, "member", false, "ok"],
    [moderator, null, false, "ok"],
    [moderator, "moderator", false, "forbidden"],
    [moderator, "owner", false, "forbidden"],
    [moderator, "moderator", true, "invalid_request"],
    [admin, "member", false, "ok"],
    [admin, "owner", false, "forbidden"],
    [member, "member", false, "forbidden"],
    [stranger, "member", false, "forbidden"],
  ] as const)("remove by %o of a %s (self: %s): %s", (actor, role, self, expected) => {
    expect(verdict("remove", actor, PUBLIC, { role, self })).toBe(expected);
  });

  it("refuses removing anyone from a DM, whoever asks", () => {
    for (const actor of [owner, member, admin]) expect(verdict("remove", actor, DM, { role: "member", self: false })).toBe("invalid_request");
  });

  it("gives a server admin a moderator's rank outside DMs, and an owner keeps theirs", () => {
    expect(rankOf(admin, PRIVATE)).toBe("moderator");
    expect(rankOf(admin, DM)).toBe("none");
    expect(rankOf(who("owner", true), PUBLIC)).toBe("owner");
    expect(rankOf(who("member", true), DM)).toBe("member");
  });

  it("shows a private room and a DM to members only, and a private room to an admin who moderates", () => {
    expect(canSee(stranger, PUBLIC)).toBe(true);
    expect(canSee(stranger, PRIVATE)).toBe(false);
    expect(canSee(member, PRIVATE)).toBe(true);
    expect(canSee(member, DM)).toBe(true);
    expect(canSee(admin, PRIVATE)).toBe(false);
    expect(canSee(admin, PRIVATE, true)).toBe(true);
    expect(canSee(admin, DM, true)).toBe(false);
  });
});
