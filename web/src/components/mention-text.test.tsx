import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render } from "@solidjs/testing-library";
import { MessageBody } from "./message-body.tsx";
import { MentionsProvider } from "./mention-text.tsx";

/** A body as bob sees it; with Markdown, once the lazily loaded formatter has drawn it. */
async function bodyAsBob(text: string, formatted = false): Promise<HTMLElement> {
  const { container } = render(() => (
    <MentionsProvider username={() => "Bob"}>
      <MessageBody text={text} />
    </MentionsProvider>
  ));
  if (formatted) await vi.waitFor(() => expect(container.querySelector(".message-body.formatted")).not.toBeNull());
  return container.querySelector<HTMLElement>(".message-body")!;
}

/** Each mention span's text, with `!` for the strong (mention-me) ones. */
const mentions = (body: HTMLElement) =>
  [...body.querySelectorAll("span.mention")].map((s) => `${s.textContent}${s.classList.contains("mention-me") ? "!" : ""}`);

describe("mentions in message bodies", () => {
  afterEach(cleanup);

  it("marks @names in plain text, the signed-in user's (any case), @room and @here strongly", async () => {
    const body = await bodyAsBob("hi @bob and @carol, see @Room. @here? mail dave@example.com");
    expect(mentions(body)).toEqual(["@bob!", "@carol", "@Room!", "@here!"]);
    expect(body.textContent).toBe("hi @bob and @carol, see @Room. @here? mail dave@example.com");
  });

  it("marks them in formatted text too, but not in code spans, code blocks or link text", async () => {
    const body = await bodyAsBob("**@bob** _cc @carol_ `@dave` [ask @erin](https://example.com)\n```\n@frank\n```", true);
    expect(mentions(body)).toEqual(["@bob!", "@carol"]);
    expect(body.querySelector("code")!.textContent).toBe("@dave");
  });

  it("marks no address in formatted text either, however marked cuts the text", async () => {
    const body = await bodyAsBob("**hi** mail dave@example.com or x@bob, _not_ a@bob but (@bob)", true);
    expect(mentions(body)).toEqual(["@bob!"]);
  });

  it("keeps URLs as links and a mention after one", async () => {
    const body = await bodyAsBob("https://example.com/@bob @bob");
    expect(body.querySelector("a")!.getAttribute("href")).toBe("https://example.com/@bob");
    expect(mentions(body)).toEqual(["@bob!"]);
  });

  it("without a signed-in user marks every mention alike, but @room and @here", () => {
    const { container } = render(() => <MessageBody text="@bob @room" />);
    expect(mentions(container.querySelector(".message-body")!)).toEqual(["@bob", "@room!"]);
  });
});
