/** Unicode rules for names and text that people read: what may look like something else, or like nothing. */

/** Bidirectional formatting characters: they reorder what follows, so a name can read as another. */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Code points that draw nothing: white space, default-ignorables (zero-width space, Hangul fillers), format characters, lone combining marks, the blank braille pattern. */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{Mn}\p{Me}\u2800]*$/u;

/** True when the text would render as nothing at all. */
export const isInvisible = (text: string) => INVISIBLE_ONLY.test(text);

/** Canonical composition (NFC), so "é" typed as one code point or as e + U+0301 is the same name or password. */
export const nfc = (text: string) => text.normalize("NFC");

/**
 * Exactly one emoji of Unicode's recommended set (RGI): ZWJ sequences, flags, keycaps and skin tones
 * included. The `v` flag that `\p{RGI_Emoji}` (a property of strings) needs is ES2024, past the
 * build target, so the pattern is compiled on first use: Node 24, workerd and current browsers have
 * it, and an older browser that loads this module for the other rules does not fail at start.
 */
let oneRgiEmoji: RegExp | undefined;

/** At most this many UTF-16 units in a reaction: the longest RGI sequences (tag flags, families with skin tones) are well under it. */
export const REACTION_EMOJI_MAX = 64;

/**
 * True when the text is one emoji and nothing else, so a reaction cannot carry words, several emoji
 * or white space. Text-style forms without U+FE0F ("❤" for "❤️") are not RGI and are refused.
 */
export function isReactionEmoji(text: string): boolean {
  oneRgiEmoji ??= new RegExp("^\\p{RGI_Emoji}$", "v");
  return text.length <= REACTION_EMOJI_MAX && oneRgiEmoji.test(text);
}
