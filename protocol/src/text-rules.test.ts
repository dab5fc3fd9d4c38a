import { describe, expect, it } from "vitest";
import { BIDI_CONTROLS, isInvisible, nfc } from "./text-rules.ts";

describe("text rules", () => {
  it("finds text that draws nothing", () => {
    for (const text of ["", " \t\n", "\u200b", "\u200d\ufeff", "\u3164", "\uffa0", "\u115f\u1160", "\u2800", "\u0301\u0302", "\u00ad"])
      expect(isInvisible(text), JSON.stringify(text)).toBe(true);
    for (const text of ["a", " .", "\u200bx", "😀", "\u05e9", "e\u0301"]) expect(isInvisible(text), JSON.stringify(text)).toBe(false);
  });

  it("knows the bidi controls and composes to NFC", () => {
    expect(["\u202e", "\u2066", "\u200f", "\u061c"].every((c) => BIDI_CONTROLS.test(c))).toBe(true);
    expect(BIDI_CONTROLS.test("\u05e9abc")).toBe(false);
    expect(nfc("e\u0301")).toBe("\u00e9");
  });
});
