/** Small display helpers for the timeline. */

/** Messages by one author closer together than this are shown as one group. */
export const GROUP_GAP_MS = 5 * 60_000;

export const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
export const dateTimeOf = (iso: string) => new Date(iso).toLocaleString();

/** A stable hue per username, for avatars. */
export function hueOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
export function typingSentence(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
