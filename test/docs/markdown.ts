/** Just enough Markdown for the documentation tests: headings, sections, tables and GitHub's anchors. */

export interface Heading {
  level: number;
  text: string;
  /** 0-based line index. */
  line: number;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** The ATX headings of a document, outside fenced code blocks. */
export function headings(markdown: string): Heading[] {
  const found: Heading[] = [];
  let fenced = false;
  markdown.split("\n").forEach((text, line) => {
    if (FENCE.test(text)) fenced = !fenced;
    const match = fenced ? null : HEADING.exec(text);
    if (match) found.push({ level: match[1]!.length, text: match[2]!, line });
  });
  return found;
}

/** The lines under the one heading titled `title`, up to the next heading of the same or a higher level. */
export function section(markdown: string, title: string): string[] {
  const all = headings(markdown);
  const matches = all.filter((h) => h.text === title);
  if (matches.length !== 1) throw new Error(`expected exactly one heading "${title}", found ${matches.length}`);
  const start = matches[0]!;
  const next = all.find((h) => h.line > start.line && h.level <= start.level);
  return markdown.split("\n").slice(start.line + 1, next?.line);
}

/** The cells of a table row, split on `|` that is not escaped as `\|`; undefined for other lines. */
export function cells(line: string): string[] | undefined {
  const row = line.trim();
  if (!row.startsWith("|")) return undefined;
  return row
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

/** The body rows (header and separator dropped) of every table in `lines`, each with its 0-based line index. */
export function tableRows(lines: string[]): Array<{ cells: string[]; index: number }>[] {
  const tables: Array<{ cells: string[]; index: number }>[] = [];
  let current: Array<{ cells: string[]; index: number }> | undefined;
  let position = 0;
  lines.forEach((line, index) => {
    const row = cells(line);
    if (!row) {
      current = undefined;
      return;
    }
    if (!current) {
      tables.push((current = []));
      position = 0;
    }
    position++;
    if (position === 2 && !row.every((cell) => /^:?-{3,}:?$/.test(cell))) throw new Error(`line ${index + 1}: a table's second line must be its separator`);
    if (position > 2) current.push({ cells: row, index });
  });
  return tables;
}

/** The text of a cell that is exactly one code span, like `` `subscribe` ``; undefined otherwise. */
export function codeSpan(cell: string): string | undefined {
  return /^`([^`]+)`$/.exec(cell)?.[1];
}

/**
 * The anchor GitHub gives a heading: lowercased, punctuation other than `-` and `_` dropped, spaces
 * to `-`, and `-1`, `-2`, … for repeats within one document.
 */
export function githubSlugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const { text } of headings(markdown)) {
    const plain = text
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "");
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}
