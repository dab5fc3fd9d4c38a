import { describe, expect, it } from "vitest";
import { SuggestionCleaner, stripControls } from "./suggestion-text.ts";

/** Feeds the pieces one by one, as a stream would, and returns what the user would see. */
function clean(typed: string, pieces: string[], maxChars = 80, forbidden: string[] = []) {
  const cleaner = new SuggestionCleaner(typed, maxChars, forbidden);
  const deltas: string[] = [];
  for (const piece of pieces) {
    if (cleaner.done) break;
    deltas.push(cleaner.push(piece));
  }
  deltas.push(cleaner.finish());
  return { text: deltas.join(""), deltas: deltas.filter(Boolean), cleaner };
}

describe("stripControls", () => {
  it("removes escape sequences, controls and bidi overrides; line ends and tabs become spaces", () => {
    expect(stripControls("a\u001b[31mred\u001b[0m\tb\nc\r\nd\u0000e\u0007f\u202eg\u200bh\u009b2Ji")).toBe("ared b c  defghi");
    expect(stripControls("title\u001b]0;pwned\u0007 ok")).toBe("title ok");
  });

  it("keeps emoji joined with ZWJ and ordinary Unicode", () => {
    expect(stripControls("👩‍💻 café 日本")).toBe("👩‍💻 café 日本");
  });
});

describe("SuggestionCleaner", () => {
  it("passes a plain continuation through as it streams", () => {
    expect(clean("see you tomor", ["row", " at", " 5"]).deltas).toEqual(["row", " at", " 5"]);
  });

  it("stops at the end of the line", () => {
    const { text, cleaner } = clean("hello", [" there", "\nsecond line", " more"]);
    expect(text).toBe(" there");
    expect(cleaner.done).toBe(true);
  });

  it("never exceeds the limit, counting characters not UTF-16 units", () => {
    expect(clean("x", ["😀".repeat(50)], 10).text).toBe("😀".repeat(10));
    expect([...clean("x", ["a".repeat(30), "b".repeat(30)], 40).text]).toHaveLength(40);
  });

  it("strips an escape sequence split across pieces", () => {
    expect(clean("go", [" on\u001b", "[3", "1m now"]).text).toBe(" on now");
  });

  it("drops an echo of the typed line, even split across pieces", () => {
    expect(clean("see you tomor", ["See you", " tomor", "row at 5"]).text).toBe("row at 5");
    expect(clean("see you tomor", ["see you tomorrow"]).text).toBe("row");
  });

  it("does not mistake a continuation for an echo", () => {
    expect(clean("see you", [" see", "m", " fine"]).deltas).toEqual([" seem", " fine"]);
  });

  it("trims leading space after typed space", () => {
    expect(clean("hello ", ["  world"]).text).toBe("world");
  });

  it("holds back a possible forbidden string and never sends it", () => {
    const { text, deltas, cleaner } = clean("hi", [" the marker is zq12", "34ab rest"], 80, ["zq1234ab"]);
    expect(text).toBe(" the marker is ");
    expect(deltas.join("")).not.toContain("zq12");
    expect(cleaner.leaked).toBe(true);
  });

  it("releases held-back text that turned out harmless", () => {
    expect(clean("hi", [" z", "ebra"], 80, ["zq1234ab"]).deltas).toEqual([" ", "zebra"]);
  });
});
