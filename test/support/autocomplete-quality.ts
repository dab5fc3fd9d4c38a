import { tokenize } from "../../worker/src/suggest/ngram-model.ts";
import type { CorpusMessage } from "./chat-corpus.ts";

/** What an autocomplete is worth on held-out messages. */
export interface AutocompleteQuality {
  messages: number;
  /** Share of keystrokes saved: each accepted suggestion costs one key (Tab) instead of its characters. */
  keystrokesSaved: number;
  /** At the start of each word after the first: the suggestion's first word is the word the author wrote next. */
  nextWordAccuracy: number;
  /** Of those word starts where a suggestion was offered, the share that was right. */
  nextWordPrecision: number;
  /** Median time of one suggestion, ms. */
  medianMs: number;
}

/**
 * Types each message character by character, asking for a suggestion before every key. A
 * suggestion the message continues with exactly is accepted with one key; any other is ignored.
 * `sent` runs after each message, so the engine can learn it as the room would.
 */
export async function measureAutocomplete(
  messages: CorpusMessage[],
  suggest: (message: CorpusMessage, typed: string) => Promise<string>,
  sent: (message: CorpusMessage) => Promise<void> | void = () => {},
): Promise<AutocompleteQuality> {
  let chars = 0;
  let keys = 0;
  let starts = 0;
  let offered = 0;
  let right = 0;
  const times: number[] = [];
  const ask = async (message: CorpusMessage, typed: string) => {
    const started = performance.now();
    const suggestion = await suggest(message, typed);
    times.push(performance.now() - started);
    return suggestion;
  };
  for (const message of messages) {
    const text = message.body;
    chars += text.length;
    for (const match of text.matchAll(/ (?=\S)/g)) {
      const typed = text.slice(0, match.index + 1);
      const guess = tokenize(await ask(message, typed))[0]?.toLowerCase();
      starts++;
      if (guess !== undefined) offered++;
      if (guess !== undefined && guess === tokenize(text.slice(typed.length))[0]?.toLowerCase()) right++;
    }
    for (let i = 0; i < text.length; keys++) {
      const suggestion = await ask(message, text.slice(0, i));
      i += suggestion && text.startsWith(suggestion, i) ? suggestion.length : 1;
    }
    await sent(message);
  }
  times.sort((a, b) => a - b);
  const ratio = (a: number, b: number) => Math.round((a / Math.max(1, b)) * 1000) / 1000;
  return {
    messages: messages.length,
    keystrokesSaved: ratio(chars - keys, chars),
    nextWordAccuracy: ratio(right, starts),
    nextWordPrecision: ratio(right, offered),
    medianMs: Math.round(times[Math.floor(times.length / 2)]! * 1000) / 1000,
  };
}
