import { describe, expect, it } from "vitest";
import { MATCH_START as S, MATCH_STOP as E, matchRanges, snippetOf } from "./search-snippet.ts";

describe("search snippets", () => {
  it("reads the matched ranges from a marked headline, in UTF-16 offsets past emoji", () => {
    expect(matchRanges(`🎉 ${S}build${E} and ${S}ship${E}`)).toEqual([
      [3, 8],
      [13, 17],
    ]);
    expect(matchRanges(`${S}${E}nothing`)).toEqual([]);
  });

  it("keeps a short body whole, with its own text (markup included) and the matches marked", () => {
    const body = "the <b>build</b> failed";
    expect(
      snippetOf(body, [
        [7, 12],
        [17, 23],
      ]),
    ).toEqual([{ text: "the <b>" }, { text: "build", match: true }, { text: "</b> " }, { text: "failed", match: true }]);
  });

  it("cuts a long body to a window around the first match, at word edges, with ellipses", () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`);
    const body = words.join(" ");
    const at = body.indexOf("word40");
    const parts = snippetOf(body, [[at, at + 6]]);
    expect(parts[0]!.text.startsWith("…word")).toBe(true);
    expect(parts.at(-1)!.text.endsWith("…")).toBe(true);
    expect(parts[1]).toEqual({ text: "word40", match: true });
    const text = parts.map((p) => p.text).join("");
    expect(text.length).toBeLessThan(260);
    expect(body.includes(text.slice(1, -1))).toBe(true);
    expect(text.slice(1, -1)).toMatch(/^word\d+ .* word\d+$/);
  });

  it("starts a long body at its beginning when the match is early", () => {
    const body = `alpha ${"filler ".repeat(60)}`;
    const parts = snippetOf(body, [[0, 5]]);
    expect(parts[0]).toEqual({ text: "alpha", match: true });
    expect(parts[1]!.text.endsWith("…")).toBe(true);
  });
});
