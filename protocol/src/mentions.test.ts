import { describe, expect, it } from "vitest";
import { mentionTokens, parseMentions } from "./mentions.ts";

describe("mentions", () => {
  it("reads names at the start, after spaces and punctuation, lower-cased and once each", () => {
    expect(parseMentions("@Alice hi, (@bob) and @alice again")).toEqual({ usernames: ["alice", "bob"] });
  });

  it("leaves out e-mail addresses and words that only contain @", () => {
    expect(parseMentions("mail alice@example.com or a@b")).toEqual({ usernames: [] });
  });

  it("ends a name before trailing sentence punctuation but keeps dots inside it", () => {
    expect(parseMentions("thanks @bob. and @ann.lee-")).toEqual({ usernames: ["bob", "ann.lee"] });
    expect(mentionTokens("thanks @bob.")).toEqual([{ name: "bob", start: 7, end: 11 }]);
  });

  it("takes @room over @here, and never as a name", () => {
    expect(parseMentions("@here @carol @room")).toEqual({ usernames: ["carol"], broadcast: "room" });
    expect(parseMentions("@HERE")).toEqual({ usernames: [], broadcast: "here" });
  });

  it("ignores a lone @ and names longer than any username", () => {
    expect(parseMentions(`@ @${"x".repeat(33)}`)).toEqual({ usernames: [] });
  });

  it("keeps at most mentionsMax names", () => {
    const body = Array.from({ length: 60 }, (_, i) => `@user${i}`).join(" ");
    expect(parseMentions(body).usernames).toHaveLength(50);
  });
});
