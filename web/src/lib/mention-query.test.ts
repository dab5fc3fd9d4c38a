import { describe, expect, it } from "vitest";
import type { Member } from "@parley/protocol";
import { insertMention, MEMBER_OPTIONS_MAX, mentionOptions, mentionQueryAt } from "./mention-query.ts";

const member = (username: string, online = false): Member => ({ id: `u-${username}`, username, online });
/** The query at the `|` in `marked`, which is taken out of the text. */
const at = (marked: string) => mentionQueryAt(marked.replace("|", ""), marked.indexOf("|"));

describe("mentionQueryAt", () => {
  it("finds the @word the caret is in, what is typed before the caret, and where the word ends", () => {
    expect(at("hi @bo|")).toEqual({ start: 3, end: 6, query: "bo" });
    expect(at("@|")).toEqual({ start: 0, end: 1, query: "" });
    expect(at("hi @b|ob, see")).toEqual({ start: 3, end: 7, query: "b" });
    expect(at("(@al.ice_-|)")).toEqual({ start: 1, end: 10, query: "al.ice_-" });
    expect(at("line\n@ca|")).toEqual({ start: 5, end: 8, query: "ca" });
  });

  it("finds none outside a mention, by the server's rules", () => {
    expect(at("hi bob|")).toBeUndefined();
    expect(at("mail alice@exam|")).toBeUndefined();
    expect(at("@@bo|")).toBeUndefined();
    expect(at("@bob |")).toBeUndefined();
    expect(at("@bob| x")).toEqual({ start: 0, end: 4, query: "bob" });
    expect(at(`@${"a".repeat(33)}|`)).toBeUndefined();
  });
});

describe("insertMention", () => {
  it("replaces the whole typed word with @name and one space, caret after it", () => {
    expect(insertMention("hi @bo", { start: 3, end: 6, query: "bo" }, "bob")).toEqual({ text: "hi @bob ", caret: 8 });
    expect(insertMention("hi @bxx, ok", { start: 3, end: 7, query: "b" }, "bob")).toEqual({ text: "hi @bob , ok", caret: 8 });
    expect(insertMention("@b there", { start: 0, end: 2, query: "b" }, "bob")).toEqual({ text: "@bob there", caret: 5 });
  });
});

describe("mentionOptions", () => {
  const members = [member("Bea"), member("bob", true), member("carol", true), member("bart"), member("here")];

  it("matches a prefix of the username ignoring case, online first, then by name, then @room and @here", () => {
    expect(mentionOptions(members, "B").map((o) => o.name)).toEqual(["bob", "bart", "Bea"]);
    expect(mentionOptions(members, "").map((o) => o.name)).toEqual(["bob", "carol", "bart", "Bea", "room", "here"]);
    expect(mentionOptions(members, "h").map((o) => `${o.kind}:${o.name}`)).toEqual(["broadcast:here"]);
    expect(mentionOptions(members, "zed")).toEqual([]);
  });

  it("lists at most MEMBER_OPTIONS_MAX members", () => {
    const many = Array.from({ length: 20 }, (_, i) => member(`r${String(i).padStart(2, "0")}`, i >= 15));
    const names = mentionOptions(many, "r").map((o) => o.name);
    expect(names).toHaveLength(MEMBER_OPTIONS_MAX + 1);
    expect(names.slice(0, 5)).toEqual(["r15", "r16", "r17", "r18", "r19"]);
    expect(names.at(-1)).toBe("room");
  });
});
