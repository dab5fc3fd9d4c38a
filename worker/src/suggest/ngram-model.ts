/** Counts of the words that followed each context of up to two words, in a window of chat messages. */
export class NgramModel {
  /** Context key ("" for none, "a", "a b") → next word → weighted count. */
  private readonly next = new Map<string, Map<string, number>>();
  /** Context key → the sum of its counts. */
  private readonly totals = new Map<string, number>();
  /** Lowercased word → the form it was last written in. */
  private readonly surface = new Map<string, string>();

  /** Counts a message's words; `weight` -1 forgets a message counted before. */
  add(text: string, weight = 1): void {
    const words = tokenize(text);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!.toLowerCase();
      if (weight > 0) this.surface.set(word, words[i]!);
      const previous = words.slice(Math.max(0, i - 2), i).map((w) => w.toLowerCase());
      this.bump("", word, weight);
      if (previous.length >= 1) this.bump(previous.at(-1)!, word, weight);
      if (previous.length === 2) this.bump(previous.join(" "), word, weight);
    }
  }

  /** Words seen after `context` (its last one or two words, lowercased), starting with `prefix`. */
  followers(context: string, prefix: string): Array<[word: string, count: number]> {
    const counts = this.next.get(context);
    if (!counts) return [];
    const out: Array<[string, number]> = [];
    for (const [word, count] of counts) if (word.startsWith(prefix)) out.push([word, count]);
    return out;
  }

  /** How many words were counted after `context`. */
  total(context: string): number {
    return this.totals.get(context) ?? 0;
  }

  /** The written form of a lowercased word. */
  written(word: string): string {
    return this.surface.get(word) ?? word;
  }

  private bump(context: string, word: string, weight: number) {
    let counts = this.next.get(context);
    if (!counts) this.next.set(context, (counts = new Map()));
    const before = counts.get(word) ?? 0;
    const count = Math.max(0, before + weight);
    this.totals.set(context, (this.totals.get(context) ?? 0) + count - before);
    if (count > 0) counts.set(word, count);
    else {
      counts.delete(word);
      if (counts.size === 0) {
        this.next.delete(context);
        this.totals.delete(context);
      }
      if (context === "") this.surface.delete(word);
    }
  }
}

/** A message's words: letters, digits and inner apostrophes or hyphens, without surrounding punctuation. */
export function tokenize(text: string): string[] {
  return text.match(WORD) ?? [];
}

const WORD = /[\p{L}\p{N}]+(?:['’\-_.][\p{L}\p{N}]+)*/gu;
