import { describe, expect, it } from "vitest";
import { NgramModel, tokenize } from "./ngram-model.ts";
import { completePhrase } from "./phrase-completer.ts";

const model = (...messages: string[]) => {
  const m = new NgramModel();
  for (const text of messages) m.add(text);
  return m;
};
const complete = (text: string, ...models: Array<{ model: NgramModel; weight: number }>) => completePhrase(text, models, { maxChars: 80 });

describe("completePhrase", () => {
  const room = model("deploying billing to staging now", "deploying billing to staging now", "deploying auth to production", "lunch at noon?");

  it("finishes the word being typed, keeping what was typed", () => {
    expect(complete("Lun", { model: room, weight: 1 })).toMatch(/^ch/);
    expect(complete("deploying bil", { model: room, weight: 1 })).toBe("ling to staging now");
  });

  it("goes on with the words that usually follow, and stops when unsure", () => {
    expect(complete("deploying ", { model: room, weight: 1 })).toBe("billing to staging now");
    expect(complete("lunch at noon? ", { model: room, weight: 1 })).toBe("");
  });

  it("adds a space before the next word after a finished word", () => {
    expect(complete("deploying billing", { model: room, weight: 1 })).toBe(" to staging now");
  });

  it("suggests nothing for unknown words or empty text", () => {
    expect(complete("xyz", { model: room, weight: 1 })).toBe("");
    expect(complete("", { model: room, weight: 1 })).toBe("");
  });

  it("prefers the user's own phrasing when it weighs more", () => {
    const own = model("deploying auth to qa first", "deploying auth to qa first");
    expect(complete("deploying ", { model: own, weight: 2 }, { model: room, weight: 1 })).toBe("auth to qa first");
  });

  it("forgets a message counted with weight -1", () => {
    const m = model("alpha beta gamma", "alpha beta gamma");
    m.add("alpha beta gamma", -1);
    m.add("alpha beta gamma", -1);
    expect(complete("alp", { model: m, weight: 1 })).toBe("");
    expect(m.total("")).toBe(0);
  });

  it("respects the character limit", () => {
    expect(completePhrase("deploying ", [{ model: room, weight: 1 }], { maxChars: 12 })).toBe("billing to");
  });
});

describe("tokenize", () => {
  it("keeps inner apostrophes, hyphens and dots, drops surrounding punctuation", () => {
    expect(tokenize("Don't re-run v1.2, ok?! (really)")).toEqual(["Don't", "re-run", "v1.2", "ok", "really"]);
  });
});
