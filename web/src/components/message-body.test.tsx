import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { MessageBody } from "./message-body.tsx";

/** Renders a body with Markdown in it and waits for the lazily loaded formatter to draw it. */
async function formatted(text: string): Promise<HTMLElement> {
  const { container } = render(() => <MessageBody text={text} />);
  await vi.waitFor(() => expect(container.querySelector(".message-body.formatted")).not.toBeNull());
  return container.querySelector<HTMLElement>(".message-body")!;
}

/** What the formatter may make: the subset's elements, and links out with only their own attributes. */
const SAFE_ELEMENTS = new Set(["DIV", "P", "BR", "STRONG", "EM", "S", "CODE", "PRE", "BLOCKQUOTE", "UL", "OL", "LI", "A", "SPAN"]);
const SAFE_ATTRIBUTES = new Set(["class", "href", "target", "rel", "start", "tabindex"]);

function expectOnlySafeMarkup(body: HTMLElement) {
  for (const element of body.querySelectorAll("*")) {
    expect(SAFE_ELEMENTS, element.outerHTML).toContain(element.tagName);
    for (const attribute of element.attributes) expect(SAFE_ATTRIBUTES, element.outerHTML).toContain(attribute.name);
    if (element.tagName === "A") expect(element.getAttribute("href")).toMatch(/^https?:\/\//);
  }
}

const hrefs = (body: HTMLElement) => [...body.querySelectorAll("a")].map((a) => a.getAttribute("href"));

describe("MessageBody", () => {
  afterEach(cleanup);

  it("renders text without Markdown at once, as plain text with its links", () => {
    const { container } = render(() => <MessageBody text={"see https://example.com/a?b=1.\nbye"} />);
    const body = container.querySelector(".message-body")!;
    expect(body.tagName).toBe("P");
    expect(body.classList.contains("formatted")).toBe(false);
    expect(body.textContent).toBe("see https://example.com/a?b=1.\nbye");
    expect(hrefs(body as HTMLElement)).toEqual(["https://example.com/a?b=1"]);
  });

  it("formats bold, italic, strike and inline code", async () => {
    const body = await formatted("**bold** __also__ *it* _al_ ~~gone~~ `a<b & c`");
    expect([...body.querySelectorAll("strong")].map((e) => e.textContent)).toEqual(["bold", "also"]);
    expect([...body.querySelectorAll("em")].map((e) => e.textContent)).toEqual(["it", "al"]);
    expect(body.querySelector("s")?.textContent).toBe("gone");
    expect(body.querySelector("code")?.textContent).toBe("a<b & c");
  });

  it("keeps escaped syntax as text", async () => {
    const body = await formatted("\\*not italic\\* 2 \\* 3");
    expect(body.querySelector("em")).toBeNull();
    expect(body.textContent).toBe("*not italic* 2 * 3");
  });

  it("makes a single newline a line break and a blank line a new paragraph", async () => {
    const body = await formatted("one *a*\ntwo\n\nthree");
    const paragraphs = [...body.querySelectorAll(":scope > p")];
    expect(paragraphs.map((p) => p.textContent)).toEqual(["one atwo", "three"]);
    expect(paragraphs[0]!.querySelectorAll("br")).toHaveLength(1);
  });

  it("labels a fenced code block with its language and keeps its text verbatim", async () => {
    const body = await formatted("```ts title=x\nconst a = <b>1</b>;\n  **not bold**\n```");
    expect(body.querySelector(".code-block .code-lang")?.textContent).toBe("ts");
    expect(body.querySelector(".code-block pre > code")?.textContent).toBe("const a = <b>1</b>;\n  **not bold**");
    expect(body.querySelector(".code-block pre")?.getAttribute("tabindex")).toBe("0");
    expect(body.querySelector("strong, b")).toBeNull();
  });

  it("draws no language label for a fence without one", async () => {
    const body = await formatted("```\nplain code\n```");
    expect(body.querySelector("pre code")?.textContent).toBe("plain code");
    expect(body.querySelector(".code-lang")).toBeNull();
  });

  it("formats block quotes and bullet and numbered lists", async () => {
    const body = await formatted("> quoted *well*\n> still\n\n- one\n- **two**\n\n3. three\n4. four");
    expect(body.querySelector("blockquote p")?.textContent).toBe("quoted wellstill");
    expect(body.querySelector("blockquote br")).not.toBeNull();
    expect([...body.querySelectorAll("ul > li")].map((li) => li.textContent)).toEqual(["one", "two"]);
    expect(body.querySelector("ul strong")?.textContent).toBe("two");
    const ordered = body.querySelector("ol")!;
    expect(ordered.getAttribute("start")).toBe("3");
    expect([...ordered.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["three", "four"]);
  });

  it("renders a heading as a bold paragraph, not a heading", async () => {
    const body = await formatted("# Release notes\nsecond");
    expect(body.querySelector("h1, h2, h3, h4, h5, h6")).toBeNull();
    expect(body.querySelector("p > strong")?.textContent).toBe("Release notes");
  });

  it("links a written http(s) link with the host it goes to after its text", async () => {
    const body = await formatted("read [the *docs*](https://docs.example/start) now");
    const link = body.querySelector("a")!;
    expect(link.getAttribute("href")).toBe("https://docs.example/start");
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toBe("noopener noreferrer nofollow ugc");
    expect(link.querySelector("em")?.textContent).toBe("docs");
    expect(link.textContent).toBe("the docs (docs.example)");
  });

  it("shows the real host of a written link that names another", async () => {
    const body = await formatted("[https://bank.example](https://evil.example/login) and <https://аpple.com/x>");
    const [written, auto] = [...body.querySelectorAll("a")];
    expect(written!.textContent).toBe("https://bank.example (evil.example)");
    expect(auto!.textContent).toBe("https://xn--pple-43d.com/x");
    expect(auto!.getAttribute("href")).toBe("https://xn--pple-43d.com/x");
  });

  it("still links bare URLs, as plain text does, and puts no link inside a link", async () => {
    const body = await formatted("*see* https://example.com/a_b_c. or www.example.com [at https://x.example](https://y.example)");
    expect(hrefs(body)).toEqual(["https://example.com/a_b_c", "https://y.example/"]);
    expect(body.querySelector("a a")).toBeNull();
    expect(body.textContent).toContain("www.example.com");
  });

  it("shows a task item's box as typed", async () => {
    const body = await formatted("- [x] done\n- [ ] to do");
    expect([...body.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["[x] done", "[ ] to do"]);
    expect(body.querySelector("input")).toBeNull();
  });

  it.each([
    ["an image tag with onerror", `<img src=x onerror="alert(1)"> **hi**`, `<img src=x onerror="alert(1)">`],
    ["a script element", "<script>alert(1)</script> *hi*", "<script>alert(1)</script>"],
    ["an HTML block", `<div onclick="alert(1)">\n**hi**\n</div>`, `<div onclick="alert(1)">\n**hi**\n</div>`],
    ["an iframe", `<iframe src="https://evil.example"></iframe> _x_`, `<iframe src="`],
    ["an inline link tag", `<a href="javascript:alert(1)">x</a> *y*`, `<a href="javascript:alert(1)">x</a>`],
    ["an SVG with onload", `<svg onload=alert(1)><circle r=9 /></svg> *y*`, "<svg onload=alert(1)>"],
    ["a javascript: link", "[x](javascript:alert(1))", "[x](javascript:alert(1))"],
    ["an upper-case JAVASCRIPT: link", "[x](JAVASCRIPT:alert(1))", "JAVASCRIPT:alert(1)"],
    ["a javascript: autolink", "<javascript:alert(1)> *y*", "javascript:alert(1)"],
    ["a data: link", "[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html"],
    ["a link with credentials", "[bank](https://bank.example@evil.example/)", "[bank](https://bank.example@evil.example/)"],
    ["a reference to a javascript: link", "[x][1]\n\n[1]: javascript:alert(1)", "[x]"],
    ["a link titled with markup", `[x](https://ok.example "<img src=x onerror=alert(1)>")`, "x"],
  ])("renders %s as text and makes no such element or attribute", async (_, payload, shown) => {
    const body = await formatted(payload);
    expectOnlySafeMarkup(body);
    expect(body.querySelector("img, script, iframe, svg, [onerror], [onclick], [onload], [title]")).toBeNull();
    expect(body.textContent).toContain(shown);
  });

  it("renders an image as its alt text and address, never an image", async () => {
    const body = await formatted("![a cat](http://x.example/y.png) and ![](javascript:alert(1))");
    expectOnlySafeMarkup(body);
    expect(body.querySelector("img")).toBeNull();
    expect(body.textContent).toBe("a cat (http://x.example/y.png) and javascript:alert(1)");
    expect(hrefs(body)).toEqual(["http://x.example/y.png"]);
  });

  it("re-renders when the text changes, as an edit does", async () => {
    const [text, setText] = createSignal("*before*");
    const { container } = render(() => <MessageBody text={text()} />);
    await vi.waitFor(() => expect(container.querySelector("em")?.textContent).toBe("before"));
    setText("**after**");
    expect(container.querySelector("strong")?.textContent).toBe("after");
    expect(container.querySelector("em")).toBeNull();
    setText("no syntax now");
    expect(container.querySelector("p.message-body:not(.formatted)")?.textContent).toBe("no syntax now");
  });

  it("scrolls a long code block inside the row rather than widening the page", async () => {
    const style = document.createElement("style");
    style.textContent = readFileSync(`${import.meta.dirname}/../styles.css`, "utf8");
    document.head.append(style);
    try {
      const body = await formatted(`\`\`\`\n${"x".repeat(2000)}\n\`\`\``);
      expect(getComputedStyle(body).minWidth).toBe("0px");
      const pre = body.querySelector("pre")!;
      expect(getComputedStyle(pre).overflowX).toBe("auto");
      expect(getComputedStyle(pre).whiteSpace).toBe("pre");
    } finally {
      style.remove();
    }
  });
});
