import { describe, expect, it } from "vitest";
import { BIDI_CONTROLS, isInvisible, isReactionEmoji, nfc, REACTION_EMOJI_MAX } from "./text-rules.ts";

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

  describe("reaction emoji", () => {
    const accepted = {
      "a plain emoji": "👍",
      "a newer emoji": "🫠",
      "an emoji with its presentation selector": "❤️",
      "a ZWJ sequence": "👩‍💻",
      "a family ZWJ sequence": "👨‍👩‍👧‍👦",
      "a ZWJ sequence with selectors": "👩‍❤️‍💋‍👨",
      "a ZWJ sequence with two skin tones": "🧑🏽‍🤝‍🧑🏿",
      "a rainbow flag": "🏳️‍🌈",
      "a country flag": "🇫🇷",
      "the UN flag": "🇺🇳",
      "a subdivision tag flag": "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
      "a digit keycap": "1️⃣",
      "a hash keycap": "#️⃣",
      "a skin tone": "👍🏽",
      "a text-style symbol made emoji": "☺️",
    };
    it.each(Object.entries(accepted))("accepts %s", (_, text) => expect(isReactionEmoji(text)).toBe(true));

    const refused = {
      nothing: "",
      "a letter": "a",
      "a word": "thumbs",
      "a digit": "1",
      "a hash": "#",
      "a text-style heart without U+FE0F": "❤",
      "a copyright sign": "©",
      "two emoji": "👍👍",
      "two flags": "🇫🇷🇩🇪",
      "a lone regional indicator": "🇫",
      "an unassigned flag pair": "🇿🇿",
      "an emoji and a word": "👍ok",
      "a word and an emoji": "ok👍",
      "a leading space": " 👍",
      "a trailing space": "👍 ",
      "a trailing newline": "👍\n",
      "a lone zero-width joiner": "\u200d",
      "a dangling zero-width joiner": "😀\u200d",
      "a lone variation selector": "\ufe0f",
      "a doubled variation selector": "☺\ufe0f\ufe0f",
      "a skin tone and a stray selector": "👍🏽\ufe0f",
      "a lone surrogate": "\ud83d",
      "a bidi control and an emoji": "\u202e👍",
      markup: "<b>👍</b>",
    };
    it.each(Object.entries(refused))("refuses %s", (_, text) => expect(isReactionEmoji(text)).toBe(false));

    it("has room under REACTION_EMOJI_MAX for the longest emoji and refuses long text", () => {
      expect(isReactionEmoji("👍".repeat(REACTION_EMOJI_MAX))).toBe(false);
      expect(REACTION_EMOJI_MAX).toBeGreaterThanOrEqual("🏴󠁧󠁢󠁳󠁣󠁴󠁿".length);
    });
  });
});
