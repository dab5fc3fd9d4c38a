import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, launchChromium, person, screenshot } from "./browser.ts";

/** A line of code far wider than any screen. */
const LONG_LINE = `const config = { ${Array.from({ length: 40 }, (_, i) => `option${i}: "value ${i}"`).join(", ")} };`;

/** What the room holds: every construct of the subset, a long code block, and attacks that must stay text. */
const BODIES = [
  "**Release 2.0** is _almost_ out: ~~Friday~~ Monday. Run `npm run build` first.",
  "Checklist:\n- tag the branch\n- **publish** the notes\n\n1. staging\n2. production",
  "> Ship it once the rerun is green\nsaid Carol",
  `\`\`\`ts\n${LONG_LINE}\nexport default config;\n\`\`\``,
  "Notes: [release notes](https://example.com/release-2.0), or https://example.com/changelog",
  `<img src=x onerror="window.pwned = 1"> **bold** [click](javascript:window.pwned=2) ![cat](http://127.0.0.1:9/cat.png)`,
];

/** Formatted text in a real browser: the subset renders, a long code block scrolls inside its row, nothing runs. */
describe.skipIf(chromiumMissing)("formatted text in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let session = "";
  let room: Room;

  /** Bob, signed in, with the room open and every formatted row drawn. */
  async function bobInRoom(options: { width?: number; dark?: boolean } = {}) {
    const { context, page, errors } = await person(browser, worker.url, options);
    await context.addInitScript((value) => localStorage.setItem("parley.session", value), session);
    await page.goto(`/#/rooms/${room.id}`);
    await expect.poll(() => page.locator(".timeline .message-body.formatted").count()).toBe(BODIES.length);
    return { context, page, errors };
  }

  /** How far the page and the timeline scroll sideways (0: not at all), and whether the code block scrolls inside. */
  const widths = (page: Page) =>
    page.evaluate(() => {
      const timeline = document.querySelector(".timeline")!;
      const pre = document.querySelector(".timeline .code-block pre")!;
      return {
        page: document.documentElement.scrollWidth - window.innerWidth,
        timeline: timeline.scrollWidth - timeline.clientWidth,
        codeScrolls: pre.scrollWidth > pre.clientWidth,
        codeInside: pre.getBoundingClientRect().right <= timeline.getBoundingClientRect().right,
      };
    });

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    const alice = new ApiClient(worker.url);
    const bob = new ApiClient(worker.url);
    await alice.register(uniqueName("alice"));
    const registered = await bob.request("POST", "/api/auth/register", { username: uniqueName("bob"), password: "correct horse battery" });
    bob.token = registered.json.token;
    session = JSON.stringify(registered.json);
    room = await alice.createRoom(uniqueName("formatting"));
    await bob.join(room.id);
    for (const body of BODIES) await alice.sendMany(room.id, 1, () => body, 1);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("formats each construct, and the attacks make no element and run nothing", async () => {
    const { context, page, errors } = await bobInRoom();
    const timeline = page.locator(".timeline");
    await expect(timeline.locator("strong").first().innerText()).resolves.toBe("Release 2.0");
    await expect(timeline.locator("ul > li").allInnerTexts()).resolves.toEqual(["tag the branch", "publish the notes"]);
    await expect(timeline.locator("ol > li").count()).resolves.toBe(2);
    await expect(timeline.locator("blockquote").innerText()).resolves.toContain("Ship it once the rerun is green");
    await expect(timeline.locator(".code-lang").innerText()).resolves.toBe("ts");
    await expect(timeline.getByRole("link", { name: "release notes (example.com)" }).getAttribute("href")).resolves.toBe("https://example.com/release-2.0");
    await expect(timeline.locator("img, script, [onerror]").count()).resolves.toBe(0);
    await expect(timeline.locator("a[href^='javascript']").count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as { pwned?: number }).pwned)).resolves.toBeUndefined();
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "09-formatted-text");
    await context.close();
  });

  it.each([
    ["a wide screen", 1280, false],
    ["a phone, dark", 390, true],
  ])("scrolls a long code line inside its row on %s, never the page", async (_, width, dark) => {
    const { context, page } = await bobInRoom({ width, dark });
    await expect(widths(page)).resolves.toEqual({ page: 0, timeline: 0, codeScrolls: true, codeInside: true });
    if (dark) expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
