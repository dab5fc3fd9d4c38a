import { tokenize, type NgramModel } from "./ngram-model.ts";

/** A model and how much its evidence counts (the user's own messages weigh more than the room's). */
export interface WeightedModel {
  model: NgramModel;
  weight: number;
}

/** How much each order counts when backing off: a match on two words of context beats one on none. */
const ORDER_WEIGHTS = [0.1, 0.3, 0.6] as const;
/** A further word is added only when it has at least this share of the candidates' score… */
const MIN_SHARE = 0.5;
/** …and was seen after this context at least this often (weighted). */
const MIN_EVIDENCE = 2;
/** The word being typed, at the end of the text. */
const PARTIAL = /[\p{L}\p{N}]+(?:['’\-_.][\p{L}\p{N}]*)*$/u;

interface Candidate {
  word: string;
  score: number;
  share: number;
  evidence: number;
}

/**
 * The text to append after `text`: the rest of the word being typed, then the words that most
 * often came next, while they are likely enough. Empty when nothing fits.
 */
export function completePhrase(text: string, models: WeightedModel[], options: { maxChars: number; maxWords?: number }): string {
  const partial = text.match(PARTIAL)?.[0] ?? "";
  const words = tokenize(text.slice(0, text.length - partial.length))
    .slice(-2)
    .map((w) => w.toLowerCase());
  let out = "";
  if (partial) {
    const best = rank(models, words, partial.toLowerCase(), true);
    if (!best) return "";
    out = rest(written(models, best.word), best.word, partial.toLowerCase().length);
    words.push(best.word);
  }
  let space = partial !== "" || (text !== "" && !/\s$/.test(text));
  for (let i = 0; i < (options.maxWords ?? 4) && words.length > 0; i++) {
    const best = rank(models, words.slice(-2), "", false);
    if (!best || best.share < MIN_SHARE || best.evidence < MIN_EVIDENCE) break;
    const next = (space ? " " : "") + written(models, best.word);
    if ([...out, ...next].length > options.maxChars) break;
    out += next;
    words.push(best.word);
    space = true;
  }
  return [...out].slice(0, options.maxChars).join("");
}

/** The best next word after `context` starting with `prefix`, scored with backoff over the models. */
function rank(models: WeightedModel[], context: string[], prefix: string, unigrams: boolean): Candidate | undefined {
  const scores = new Map<string, { score: number; evidence: number }>();
  for (const { model, weight } of models) {
    for (let order = Math.min(2, context.length); order >= (unigrams ? 0 : 1); order--) {
      const key = context.slice(context.length - order).join(" ");
      const total = model.total(key);
      if (total === 0) continue;
      for (const [word, count] of model.followers(key, prefix)) {
        const entry = scores.get(word) ?? { score: 0, evidence: 0 };
        entry.score += (weight * ORDER_WEIGHTS[order as 0 | 1 | 2] * count) / total;
        if (order > 0) entry.evidence += weight * count;
        scores.set(word, entry);
      }
    }
  }
  let best: Candidate | undefined;
  let sum = 0;
  for (const [word, { score, evidence }] of scores) {
    sum += score;
    if (!best || score > best.score || (score === best.score && word < best.word)) best = { word, score, evidence, share: 0 };
  }
  if (best) best.share = best.score / sum;
  return best;
}

/** The untyped end of a word, in its written form unless lowercasing changed its length. */
function rest(form: string, word: string, typed: number): string {
  return (form.length === word.length ? form : word).slice(typed);
}

function written(models: WeightedModel[], word: string): string {
  for (const { model } of models) {
    const form = model.written(word);
    if (form !== word) return form;
  }
  return word;
}
