import { describe, expect, it } from "vitest";
import { effectiveLevel, shouldNotify, type NotifyCase } from "./notify-policy.ts";

/** A mention of the user in a hidden tab, in a room that follows the user's "mentions" level: notifies. */
const base: NotifyCase = {
  room: { level: "default", muted: false },
  userLevel: "mentions",
  mention: true,
  dm: false,
  mine: false,
  read: false,
  deleted: false,
  hidden: true,
};
const decide = (change: Partial<NotifyCase>) => shouldNotify({ ...base, ...change });

describe("effectiveLevel", () => {
  it("follows the user's level for a room set to default or never set", () => {
    expect(effectiveLevel({ level: "default", muted: false }, "all")).toBe("all");
    expect(effectiveLevel(undefined, "none")).toBe("none");
  });
  it("takes the room's own level over the user's", () => {
    expect(effectiveLevel({ level: "none", muted: false }, "all")).toBe("none");
    expect(effectiveLevel({ level: "all", muted: false }, "none")).toBe("all");
  });
});

describe("shouldNotify", () => {
  it("notifies a mention in a hidden tab at the default level", () => {
    expect(decide({})).toBe(true);
  });
  it("never notifies while the tab is visible", () => {
    expect(decide({ hidden: false })).toBe(false);
    expect(decide({ hidden: false, room: { level: "all", muted: false } })).toBe(false);
  });
  it("never notifies the user's own messages, even at all", () => {
    expect(decide({ mine: true })).toBe(false);
    expect(decide({ mine: true, room: { level: "all", muted: false } })).toBe(false);
  });
  it("never notifies what is read already or deleted", () => {
    expect(decide({ read: true })).toBe(false);
    expect(decide({ deleted: true })).toBe(false);
  });
  it("never notifies in a muted room, whatever the level, mentions included", () => {
    expect(decide({ room: { level: "all", muted: true } })).toBe(false);
    expect(decide({ room: { level: "default", muted: true }, userLevel: "all" })).toBe(false);
  });
  it("at mentions, notifies mentions only", () => {
    expect(decide({ mention: false })).toBe(false);
    expect(decide({ room: { level: "mentions", muted: false }, userLevel: "all", mention: false })).toBe(false);
    expect(decide({ room: { level: "mentions", muted: false }, userLevel: "none" })).toBe(true);
  });
  it("at mentions, notifies every message of a DM, as a mention; muted or at nothing, none", () => {
    expect(decide({ mention: false, dm: true })).toBe(true);
    expect(decide({ mention: false, dm: true, room: { level: "mentions", muted: false }, userLevel: "all" })).toBe(true);
    expect(decide({ mention: false, dm: true, userLevel: "none" })).toBe(false);
    expect(decide({ mention: false, dm: true, room: { level: "default", muted: true } })).toBe(false);
    expect(decide({ mention: false, dm: true, mine: true })).toBe(false);
  });
  it("at all, notifies every message of others", () => {
    expect(decide({ room: { level: "all", muted: false }, mention: false })).toBe(true);
    expect(decide({ room: undefined, userLevel: "all", mention: false })).toBe(true);
  });
  it("at none, notifies nothing, not even a mention", () => {
    expect(decide({ userLevel: "none" })).toBe(false);
    expect(decide({ room: { level: "none", muted: false }, userLevel: "all" })).toBe(false);
  });
});
