/** Unicode rules for names and text that people read: what may look like something else, or like nothing. */

/** Bidirectional formatting characters: they reorder what follows, so a name can read as another. */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Code points that draw nothing: white space, default-ignorables (zero-width space, Hangul fillers), format characters, lone combining marks, the blank braille pattern. */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{Mn}\p{Me}\u2800]*$/u;

/** True when the text would render as nothing at all. */
export const isInvisible = (text: string) => INVISIBLE_ONLY.test(text);

/** Canonical composition (NFC), so "é" typed as one code point or as e + U+0301 is the same name or password. */
export const nfc = (text: string) => text.normalize("NFC");
