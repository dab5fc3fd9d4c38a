import { describe, expect, it } from "vitest";
import { isDay, parseSearchQuery, SEARCH_LIMITS } from "./search.ts";

const parsed = (q: string) => {
  const result = parseSearchQuery(q);
  if (!result.ok) throw new Error(result.message);
  return result.query;
};
const refused = (q: string) => {
  const result = parseSearchQuery(q);
  return result.ok ? null : result.message;
};

describe("search query syntax", () => {
  it("reads words, quoted phrases and every filter, in any order", () => {
    expect(parsed(`deploy from:@Bob "build failed"  in:ops before:2026-03-01 after:2026-02-01 again`)).toEqual({
      words: ["deploy", "again"],
      phrases: ["build failed"],
      from: "Bob",
      in: "ops",
      before: "2026-03-01",
      after: "2026-02-01",
    });
  });

  it("takes a quoted room name, a phrase left open, and filter names in any case", () => {
    expect(parsed(`IN:"Team Ops" hello "left  open`)).toEqual({ words: ["hello"], phrases: ["left open"], in: "Team Ops" });
  });

  it("keeps a word with a colon that is no filter, and drops punctuation that matches nothing", () => {
    expect(parsed("re:launch https://example.com -- !!")).toEqual({ words: ["re:launch", "https://example.com"], phrases: [] });
  });

  it("refuses an empty query, one of filters or punctuation only, and a filter given twice or empty", () => {
    expect(refused("")).toMatch(/at least one word/);
    expect(refused(`from:bob in:ops "" ...`)).toMatch(/at least one word/);
    expect(refused("hi from:bob from:carol")).toMatch(/from: may be given once/);
    expect(refused("hi from:")).toMatch(/from: needs a value/);
  });

  it("refuses dates that are not calendar days and a range that holds no day", () => {
    expect(refused("hi before:2026-02-30")).toMatch(/before: must be a date/);
    expect(refused("hi after:yesterday")).toMatch(/after: must be a date/);
    expect(refused("hi after:2026-03-01 before:2026-03-01")).toMatch(/earlier than before/);
    expect(isDay("2024-02-29")).toBe(true);
    expect(isDay("2025-02-29")).toBe(false);
    expect(isDay("2025-1-01")).toBe(false);
  });

  it("refuses a query over the length or term limits", () => {
    expect(refused("a".repeat(SEARCH_LIMITS.queryMax + 1))).toMatch(/at most 256 characters/);
    expect(refused(Array.from({ length: SEARCH_LIMITS.termsMax + 1 }, (_, i) => `w${i}`).join(" "))).toMatch(/at most 16 words/);
    expect(parsed(Array.from({ length: SEARCH_LIMITS.termsMax }, (_, i) => `w${i}`).join(" ")).words).toHaveLength(16);
  });
});
