/** Small display helpers for the timeline, in the viewer's locale and time zone. */

/** Messages by one author closer together than this are shown as one group. */
export const GROUP_GAP_MS = 5 * 60_000;

// Formatters are built once: constructing one per message costs more than drawing the message.
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const DAY = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const DAY_WITH_YEAR = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", year: "numeric" });

/** "14:05" (or "02:05 PM"), for a message's header and hover. */
export const timeOf = (iso: string) => TIME.format(new Date(iso));
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
/** "14:05" or "2:05", without AM/PM: the narrow time in the gutter of a message inside a run (the full one is in its tooltip). */
export const clockOf = (iso: string) =>
  CLOCK.formatToParts(new Date(iso))
    .filter((p) => p.type !== "dayPeriod")
    .map((p) => p.value)
    .join("")
    .trim();
/** "Tuesday, 1 December 2026 at 14:05:09", for tooltips. */
export const dateTimeOf = (iso: string) => FULL.format(new Date(iso));

/** The calendar day of an instant in the viewer's time zone, as a comparable number (20261201). */
export function dayKeyOf(iso: string | Date): number {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return d.getFullYear() * 10_000 + (d.getMonth() + 1) * 100 + d.getDate();
}

/** A day separator's label: "Today", "Yesterday", "Monday, 30 November", or with the year when it is not this year's. */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const day = dayKeyOf(iso);
  if (day === dayKeyOf(now)) return "Today";
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (day === dayKeyOf(yesterday)) return "Yesterday";
  const date = new Date(iso);
  return (date.getFullYear() === now.getFullYear() ? DAY : DAY_WITH_YEAR).format(date);
}

/** Milliseconds until the viewer's next midnight, when "Today" and "Yesterday" move on. */
export function msUntilMidnight(now: Date = new Date()): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime() - now.getTime();
}

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

/** A file's size as people read it: "812 B", "14 KB", "3.4 MB" (1024-based, as file managers and the 25 MB limit count). */
export function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${units[unit]}`;
}
