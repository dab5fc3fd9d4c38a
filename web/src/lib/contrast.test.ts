import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import Color from "color";

/** The stylesheet as the browser gets it, parsed by jsdom's CSSOM. */
function stylesheet(): CSSRule[] {
  const style = document.createElement("style");
  style.textContent = readFileSync(`${import.meta.dirname}/../styles.css`, "utf8");
  document.head.append(style);
  const rules = [...style.sheet!.cssRules];
  style.remove();
  return rules;
}

/** A theme's colour variables: the light `:root`, with the dark `@media (prefers-color-scheme: dark)` one over it. */
function themes(): Record<"light" | "dark", (name: string) => string> {
  const rules = stylesheet();
  const isRoot = (r: CSSRule): r is CSSStyleRule => r instanceof CSSStyleRule && r.selectorText === ":root";
  const light = rules.find(isRoot)!.style;
  const darkMedia = rules.find((r): r is CSSMediaRule => r instanceof CSSMediaRule && r.conditionText === "(prefers-color-scheme: dark)")!;
  const dark = [...darkMedia.cssRules].find(isRoot)!.style;
  const lookup = (name: string) => light.getPropertyValue(name).trim();
  return { light: lookup, dark: (name) => dark.getPropertyValue(name).trim() || lookup(name) };
}

/** WCAG 2 contrast ratio of two CSS colours. */
const ratio = (a: string, b: string) => Color(a).contrast(Color(b));

const BACKGROUNDS = ["--bg", "--panel", "--panel-2", "--code-bg"];
/** Text colours and the least contrast they need on every background (WCAG 1.4.3, AA). */
const TEXT = { "--text": 4.5, "--muted": 4.5, "--link": 4.5, "--danger": 4.5 };
/** Form fields' boundaries against the page and the field (WCAG 1.4.11: 3:1 for UI components). */
const FIELD_BORDER_ON = ["--bg", "--panel"];

describe.each(["light", "dark"] as const)("colour contrast, %s theme", (theme) => {
  const color = themes()[theme];

  it.each(Object.entries(TEXT))("%s text reads on every background", (text, least) => {
    for (const background of BACKGROUNDS) expect(ratio(color(text), color(background)), `${text} on ${background}`).toBeGreaterThanOrEqual(least);
  });

  it.each([
    ["--mention-me-text", "--mention-me-bg", 4.5],
    ["--link", "--accent-soft", 4.5],
    ["--muted", "--accent-soft", 4.5],
    ["--text", "--mention-bg", 4.5],
    ["--muted", "--mention-bg", 4.5],
    ["--link", "--mention-bg", 4.5],
    // The accent bar marks the row (WCAG 1.4.11: 3:1 against the row it is on).
    ["--mention-bar", "--mention-bg", 3],
  ])("mentions: %s reads on %s", (text, background, least) => {
    expect(ratio(color(text), color(background))).toBeGreaterThanOrEqual(least);
  });

  it("input and textarea borders stand out 3:1 from the page and the field", () => {
    for (const background of FIELD_BORDER_ON)
      expect(ratio(color("--field-border"), color(background)), `--field-border on ${background}`).toBeGreaterThanOrEqual(3);
  });
});

describe("form field borders", () => {
  it("inputs and textareas draw their border with --field-border", () => {
    const fieldRules = stylesheet().filter((r): r is CSSStyleRule => r instanceof CSSStyleRule && /\b(input|textarea)\b/.test(r.selectorText));
    const borders = fieldRules.map((r) => r.style.getPropertyValue("border-color") || r.style.getPropertyValue("border")).filter(Boolean);
    expect(borders.length).toBeGreaterThan(0);
    for (const border of borders) expect(border).toMatch(/var\(--field-border\)|transparent|var\(--accent\)/);
  });
});
