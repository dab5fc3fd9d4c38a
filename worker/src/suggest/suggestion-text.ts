/** Terminal escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL or ESC \`) and two-character ones. */
const ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
/** An escape sequence cut off by the end of the text so far. */
const OPEN_ESCAPE = /\u001b(?:\[[0-?]*[ -/]*|\][^\u0007\u001b]*)?$|\u009b[0-?]*[ -/]*$/;
/** Controls, and invisible characters that reorder or hide text (bidi overrides, zero-width space, BOM). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Text with escape sequences and control characters removed; tabs and line ends become spaces. */
export function stripControls(text: string): string {
  return text
    .replace(ESCAPE, "")
    .replace(/[\t\n\r\u2028\u2029]/g, " ")
    .replace(CONTROL, "");
}

/**
 * Turns an engine's raw stream into what a user may see: one line, no control characters, no echo
 * of the text already typed, no `forbidden` string (the prompt's canary) and at most `maxChars`
 * characters. Text that might still turn into an echo or a forbidden string is held back.
 */
export class SuggestionCleaner {
  private raw = "";
  private sent = "";
  private echo?: number;
  private readonly lastLine: string;
  /** A line end, the limit or a forbidden string was reached: ask the engine for nothing more. */
  done = false;
  /** The output contained a forbidden string; nothing from that point on was sent. */
  leaked = false;

  constructor(
    private readonly typed: string,
    private readonly maxChars: number,
    private readonly forbidden: readonly string[] = [],
  ) {
    this.lastLine = stripControls(typed.split(/[\n\r]/).at(-1) ?? "")
      .trim()
      .toLowerCase();
  }

  /** Takes the next piece of the stream and returns the text to send now (perhaps empty). */
  push(piece: string): string {
    if (this.done) return "";
    this.raw += piece;
    const end = this.raw.search(/[\n\r]/);
    if (end >= 0) {
      this.raw = this.raw.slice(0, end);
      this.done = true;
    }
    return this.release(this.done);
  }

  /** The stream ended: whatever was held back and is safe. */
  finish(): string {
    const rest = this.release(true);
    this.done = true;
    return rest;
  }

  private release(final: boolean): string {
    let text = stripControls(final ? this.raw : this.raw.replace(OPEN_ESCAPE, ""));
    if (/\s$/.test(this.typed) || this.typed === "") text = text.trimStart();
    if (this.echo === undefined) {
      const head = text.trimStart().toLowerCase();
      if (this.lastLine.length >= 4 && head.length < this.lastLine.length && this.lastLine.startsWith(head) && !final) return "";
      this.echo = this.lastLine.length >= 4 && head.startsWith(this.lastLine) ? text.length - head.length + this.lastLine.length : 0;
    }
    text = text.slice(this.echo);
    const hit = Math.min(...this.forbidden.map((f) => text.indexOf(f)).filter((i) => i >= 0));
    if (Number.isFinite(hit)) {
      text = text.slice(0, hit);
      this.leaked = this.done = true;
    } else if (!final) text = text.slice(0, text.length - this.heldForForbidden(text));
    const chars = [...text];
    if (chars.length >= this.maxChars) {
      text = chars.slice(0, this.maxChars).join("");
      this.done = true;
    }
    if (!text.startsWith(this.sent)) return "";
    const delta = text.slice(this.sent.length);
    this.sent = text;
    return delta;
  }

  /** Length of the longest end of `text` that begins some forbidden string. */
  private heldForForbidden(text: string): number {
    let held = 0;
    for (const f of this.forbidden) {
      for (let n = Math.min(f.length - 1, text.length); n > held; n--) if (text.endsWith(f.slice(0, n))) held = n;
    }
    return held;
  }
}
