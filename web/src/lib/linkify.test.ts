import { describe, expect, it } from "vitest";
import { linkify } from "./linkify.ts";

const links = (text: string) => linkify(text).filter((s) => s.kind === "link");

describe("linkify", () => {
  it("links http(s) URLs and leaves sentence punctuation outside", () => {
    expect(linkify("see https://example.com/a?b=1). ok")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: "). ok" },
    ]);
  });

  it("keeps other schemes as text", () => {
    expect(links("javascript:alert(1) ftp://x.example")).toEqual([]);
  });

  it("shows the real host of a non-ASCII name in punycode", () => {
    const [link] = links("login at https://аpple.com/account now");
    expect(link).toMatchObject({ text: "https://xn--pple-43d.com/account", href: "https://xn--pple-43d.com/account" });
  });

  it("does not link a URL with a user name or password in it", () => {
    expect(links("https://accounts.example.com@evil.example/login")).toEqual([]);
    expect(links("http://user:secret@example.com/")).toEqual([]);
    expect(
      linkify("x https://a.example@b.example/ y")
        .map((s) => s.text)
        .join(""),
    ).toBe("x https://a.example@b.example/ y");
  });

  it("strips bidi controls from a link's text and target", () => {
    const [link] = links("https://example.com/\u202egnp.exe");
    expect(link).toMatchObject({ text: "https://example.com/gnp.exe", href: "https://example.com/gnp.exe" });
  });

  it("stays linear on long runs of punctuation", () => {
    // Quadratic trimming took seconds on this input; one pass takes well under a millisecond per kilobyte.
    const text = `https://a.example/${".".repeat(200_000)}x ${"!".repeat(200_000)}`;
    const [link] = links(text);
    expect(link!.text.endsWith("x")).toBe(true);
    expect(links(`https://a.example/${")".repeat(100_000)}`)[0]!.text).toBe("https://a.example/");
  });
});
