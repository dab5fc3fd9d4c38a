/** Unicode rules for names and text that people read: what may look like something else, or like nothing. */

/** Bidirectional formatting characters: they reorder what follows, so a name can read as another. */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Code points that draw nothing: white space, default-ignorables (zero-width space, Hangul fillers), format characters, lone combining marks, the blank braille pattern. */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{Mn}\p{Me}\u2800]*$/u;

/** True when the text would render as nothing at all. */
export const isInvisible = (text: string) => INVISIBLE_ONLY.test(text);

/** Canonical composition (NFC), so "é" typed as one code point or as e + U+0301 is the same name or password. */
export const nfc = (text: string) => text.normalize("NFC");

/** At most this many UTF-16 units in a reaction (the longest RGI emoji ZWJ sequences are about 35). */
export const REACTION_EMOJI_MAX = 64;
let oneEmoji: RegExp | undefined;

/**
 * Whether `text` is exactly one emoji (ZWJ sequences, flags, keycaps and skin tones included), as a
 * reaction must be. Unicode's RGI_Emoji set, through the `v` flag: built on first use, so a runtime
 * without that flag fails here and not when the module loads.
 */
export function isReactionEmoji(text: string): boolean {
  oneEmoji ??= new RegExp("^\\p{RGI_Emoji}$", "v");
  return text.length <= REACTION_EMOJI_MAX && oneEmoji.test(text);
}
