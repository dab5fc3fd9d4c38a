import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot } from "./browser.ts";

/**
 * The timeline in a real browser, with real history: a room of 300 messages and a short one. Each
 * test names the bug of issue 15 it covers; each failed on the timeline before the virtualised one.
 */
describe.skipIf(chromiumMissing)("timeline in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  const alice = new ApiClient("");
  const bob = new ApiClient("");
  let session = "";
  let big: Room;
  let quiet: Room;
  let convo: Room;

  /** Bob, signed in, in a fresh profile (the session is already in storage, as for a returning user). */
  async function bobPage(options: { width?: number; height?: number; dark?: boolean } = {}) {
    const context = await browser.newContext({
      baseURL: worker.url,
      viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
      colorScheme: options.dark ? "dark" : "light",
    });
    await keepSignedIn(context, session);
    const page = await context.newPage();
    return { context, page };
  }
  const log = (page: Page) => page.locator(".timeline");
  const open = async (page: Page, room: Room) => {
    await page.locator("nav[aria-label=Rooms]").getByRole("link", { name: room.name }).click();
    await page.getByRole("heading", { name: `# ${room.name}` }).waitFor();
    await page.locator(".timeline .message").first().waitFor();
  };
  /** The seqs drawn now, in DOM order. */
  const drawn = (page: Page) => page.locator(".timeline .message[data-seq]").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
  /** The first message whose top is inside the timeline's viewport, and where it is. */
  const anchor = (page: Page) =>
    page.evaluate(() => {
      const box = document.querySelector(".timeline")!.getBoundingClientRect();
      for (const el of document.querySelectorAll<HTMLElement>(".timeline .message[data-seq]")) {
        const top = el.getBoundingClientRect().top;
        if (top >= box.top) return { seq: Number(el.dataset.seq), top };
      }
      return undefined;
    });
  const topOf = (page: Page, seq: number) =>
    page.evaluate((s) => document.querySelector(`.timeline .message[data-seq="${s}"]`)?.getBoundingClientRect().top, seq);
  const lowestSeq = async (page: Page) => Math.min(...(await drawn(page)));

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    for (const api of [alice, bob]) (api as { baseUrl: string }).baseUrl = worker.url;
    await alice.register(uniqueName("alice"));
    const registered = await bob.request("POST", "/api/auth/register", { username: uniqueName("bob"), password: "correct horse battery" });
    bob.token = registered.json.token;
    session = JSON.stringify(registered.json);
    big = await alice.createRoom(uniqueName("history"));
    quiet = await alice.createRoom(uniqueName("quiet"));
    for (const room of [big, quiet]) await bob.join(room.id);
    await alice.sendMany(big.id, 300, (i) =>
      i % 7 === 0 ? `message ${i + 1}: a longer one that wraps onto a second line on a narrow screen, as real messages do` : `message ${i + 1}`,
    );
    await alice.sendMany(quiet.id, 2, (i) => ["morning!", "coffee first"][i]!, 1);
    // A conversation of three, for the screenshots.
    const carol = new ApiClient(worker.url);
    await carol.register(uniqueName("carol"));
    convo = await alice.createRoom(uniqueName("release"), "Shipping 2.0 this week");
    for (const api of [bob, carol]) await api.join(convo.id);
    const lines: [ApiClient, string][] = [
      [alice, "Morning! Is the release branch cut?"],
      [alice, "I saw two failing checks on main overnight."],
      [bob, "Cut at 9:10. Both failures are the flaky upload test; rerunning now."],
      [carol, "I can take the changelog. Anything big besides the new timeline?"],
      [bob, "Jump to first unread, drafts per room, and the quick switcher (Ctrl+K)."],
      [bob, "Notes are in https://example.com/release-2.0"],
      [alice, "Ship it once the rerun is green 🚀"],
    ];
    for (const [api, body] of lines) await api.sendMany(convo.id, 1, () => body, 1);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("hangs a short conversation at the bottom, by the composer, under a day separator", async () => {
    const { context, page } = await bobPage();
    await page.goto(`/#/rooms/${quiet.id}`);
    await page.getByText("coffee first", { exact: true }).waitFor();
    const gap = await page.evaluate(() => {
      const box = document.querySelector(".timeline")!.getBoundingClientRect();
      const last = [...document.querySelectorAll(".timeline .message")].at(-1)!.getBoundingClientRect();
      return box.bottom - last.bottom;
    });
    expect(gap).toBeLessThan(40);
    await expect(page.locator(".day-divider").first().innerText()).resolves.toBe("Today");
    // A message arriving at the end of a conversation that fits is simply shown: no "new messages" pill.
    await alice.sendMany(quiet.id, 1, () => "tea is ready", 1);
    await page.getByText("tea is ready", { exact: true }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.locator(".jump-button").count()).toBe(0);
    await context.close();
  });

  it("opens a room with 120 unread at the first of them, after a reload, and every one of them is there scrolling down (bug 3)", async () => {
    const { context, page } = await bobPage();
    await page.goto(`/#/rooms/${big.id}`);
    await expect.poll(async () => (await drawn(page)).at(-1)).toBe(300);
    await page.goto(`/#/rooms/${quiet.id}`);
    await page.getByText("coffee first", { exact: true }).waitFor();
    await page.close();
    await alice.sendMany(big.id, 120, (i) => `unread ${i + 1}`);

    const reopened = await context.newPage();
    await reopened.goto(`/#/rooms/${quiet.id}`);
    await reopened.getByText("coffee first", { exact: true }).waitFor();
    await open(reopened, big);
    const marker = reopened.locator(".new-marker");
    await marker.waitFor();
    // The line comes to rest on screen, near the top, with the first unread right after it.
    const lineOnScreen = () =>
      reopened.evaluate(() => {
        const log = document.querySelector(".timeline")!.getBoundingClientRect();
        const line = document.querySelector(".new-marker")?.getBoundingClientRect();
        return !!line && line.top >= log.top - 1 && line.top < log.top + log.height / 2;
      });
    await expect.poll(lineOnScreen).toBe(true);
    const firstAfter = await reopened.evaluate(() => {
      const line = document.querySelector(".new-marker")!.getBoundingClientRect().bottom;
      const next = [...document.querySelectorAll<HTMLElement>(".timeline .message[data-seq]")].find((e) => e.getBoundingClientRect().top >= line - 1);
      return Number(next?.dataset.seq);
    });
    expect(firstAfter).toBe(301);
    await screenshot(reopened, "05-timeline-first-unread");

    const seen = new Set<number>();
    for (let i = 0; i < 200 && !seen.has(420); i++) {
      for (const seq of await drawn(reopened)) seen.add(seq);
      await log(reopened).evaluate((el) => el.scrollBy(0, el.clientHeight * 0.8));
      await reopened.waitForTimeout(40);
    }
    for (const seq of await drawn(reopened)) seen.add(seq);
    const missing = Array.from({ length: 120 }, (_, i) => 301 + i).filter((seq) => !seen.has(seq));
    expect(missing).toEqual([]);
    await context.close();
  });

  it("counts only messages that arrive in the pill, not pages of history loaded while scrolled up (bug 1)", async () => {
    const { context, page } = await bobPage();
    await page.goto(`/#/rooms/${big.id}`);
    await expect.poll(async () => (await drawn(page)).at(-1)).toBe(420);
    const start = await lowestSeq(page);
    for (let i = 0; i < 20 && (await lowestSeq(page)) > start - 100; i++) {
      await log(page).evaluate((el) => el.scrollTo(0, 0));
      await page.waitForTimeout(150);
    }
    expect(await lowestSeq(page)).toBeLessThan(start - 50);
    expect(await page.locator(".jump-button").count()).toBe(0);
    await alice.sendMany(big.id, 3, (i) => `fresh ${i + 1}`, 1);
    await expect
      .poll(() =>
        page
          .locator(".jump-button")
          .innerText()
          .catch(() => ""),
      )
      .toBe("3 new messages ↓");
    await page.locator(".jump-button").click();
    await page.getByText("fresh 3", { exact: true }).waitFor();
    await context.close();
  });

  it("keeps the message on screen in place while an older page loads, also when the reader scrolls meanwhile (bug 2)", async () => {
    const { context, page } = await bobPage();
    // Older pages answer slowly, so the reader scrolls while one is on its way.
    await page.route(/\/messages\?.*beforeSeq/, async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    });
    await page.goto(`/#/rooms/${big.id}`);
    await expect.poll(async () => (await drawn(page)).at(-1)).toBe(423);
    const moves: number[] = [];
    for (let load = 0; load < 4; load++) {
      const loaded = page.waitForResponse((r) => /beforeSeq/.test(r.url()));
      await log(page).evaluate((el) => el.scrollTo(0, 0));
      await page.waitForTimeout(100);
      // Mid-load, the reader scrolls down a little (off the very top).
      await log(page).evaluate((el) => el.scrollBy(0, 120));
      const before = (await anchor(page))!;
      await loaded;
      await page.waitForTimeout(150);
      const after = await topOf(page, before.seq);
      moves.push(Math.abs(after! - before.top));
    }
    expect(Math.max(...moves)).toBeLessThan(2);
    await context.close();
  });

  it("holds the DOM to the rows on screen with the whole history loaded", async () => {
    const { context, page } = await bobPage();
    await page.goto(`/#/rooms/${big.id}`);
    await page.locator(".timeline .message").first().waitFor();
    for (let i = 0; i < 80 && (await lowestSeq(page)) > 1; i++) {
      await log(page).evaluate((el) => el.scrollTo(0, 0));
      await page.waitForTimeout(120);
    }
    await page.getByText(`This is the beginning of #${big.name}.`, { exact: true }).waitFor();
    expect(await lowestSeq(page)).toBe(1);
    const nodes = await log(page).evaluate((el) => el.querySelectorAll("*").length);
    expect(nodes).toBeLessThan(1500);
    expect(await page.locator(".timeline .message").count()).toBeLessThan(150);
    await context.close();
  });

  it("reads what arrived in the open room while the tab was in the background, once it is back (bug 5)", async () => {
    const { context, page } = await bobPage();
    await page.goto(`/#/rooms/${quiet.id}`);
    await page.getByText("coffee first", { exact: true }).waitFor();
    const setVisibility = (state: "hidden" | "visible") =>
      page.evaluate((s) => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => s });
        document.dispatchEvent(new Event("visibilitychange"));
      }, state);
    await setVisibility("hidden");
    await alice.sendMany(quiet.id, 2, (i) => `while away ${i + 1}`, 1);
    await page.getByText("while away 2", { exact: true }).waitFor();
    await setVisibility("visible");
    await page.getByRole("link", { name: "Browse rooms" }).click();
    await page.getByRole("heading", { name: "Browse rooms" }).waitFor();
    const link = page.locator("nav[aria-label=Rooms]").getByRole("link", { name: quiet.name });
    await page.waitForTimeout(300);
    expect(await link.locator(".badge").count()).toBe(0);
    await context.close();
  });

  it("hides and shows the online list with the 'N online' button on a wide screen, and asks before leaving (bug 8)", async () => {
    const { context, page } = await bobPage();
    await page.goto(`/#/rooms/${quiet.id}`);
    await page.getByText("coffee first", { exact: true }).waitFor();
    const panel = page.locator("#room-presence");
    const toggle = page.getByRole("button", { name: /online/ });
    expect(await panel.isVisible()).toBe(true);
    await toggle.click();
    expect(await panel.isVisible()).toBe(false);
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await panel.isVisible()).toBe(true);
    // Playwright dismisses the confirmation: the room stays.
    let asked = "";
    page.once("dialog", (d) => ((asked = d.message()), void d.dismiss()));
    await page.getByRole("button", { name: "Leave", exact: true }).click();
    await expect.poll(() => asked).toContain(`Leave #${quiet.name}?`);
    await page.getByRole("heading", { name: `# ${quiet.name}` }).waitFor();
    expect(await page.locator("nav[aria-label=Rooms]").getByRole("link", { name: quiet.name }).count()).toBe(1);
    await context.close();
  });

  it("looks right light, dark and on a phone", async () => {
    for (const [name, options] of [
      ["06-timeline-light", {}],
      ["07-timeline-dark", { dark: true }],
      ["08-timeline-phone", { width: 390, height: 780 }],
    ] as const) {
      const { context, page } = await bobPage(options);
      await page.goto(`/#/rooms/${convo.id}`);
      await page.getByText("Ship it once the rerun is green 🚀", { exact: true }).waitFor();
      // A message inside a run shows its time on hover.
      await page.getByText("I saw two failing checks on main overnight.", { exact: true }).hover();
      await expect.poll(() => page.locator(".message:hover .hover-time").evaluate((el) => getComputedStyle(el).opacity)).toBe("1");
      await screenshot(page, name);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(options.width ?? 1280);
      await context.close();
    }
  });
});
