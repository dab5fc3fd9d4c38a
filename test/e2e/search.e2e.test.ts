import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/** Ordinary traffic for a long room, none of it about the rollback plan. */
const CHATTER = [
  "Standup in five, grab a coffee ☕",
  "The dashboard is green again after the cache fix",
  "Can someone review the pagination change before lunch?",
  "Merged, thanks for the quick review 🙌",
  "QA found a small layout issue on Android, ticket filed",
  "Numbers look good: p99 under 80 ms all morning",
  "I'm pairing with Dave on the flaky test this afternoon",
  "Release notes draft is in the shared doc",
];

/**
 * Search in a real browser: bob searches from the top bar, sees the matched words marked in each
 * result, and choosing an old message in a long room opens the room around it, scrolled to it and
 * marked, rather than at the newest messages.
 */
describe.skipIf(chromiumMissing)("message search in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let launch: Room;
  let ops: Room;
  let target: { id: string; seq: number };
  const tag = Math.random().toString(36).slice(2, 6);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}`, carol: `carol_${tag}` };
  const api = Object.fromEntries(Object.keys(names).map((who) => [who, new ApiClient("")])) as Record<keyof typeof names, ApiClient>;
  let bob: Page;
  const contexts: BrowserContext[] = [];
  const say = async (who: keyof typeof names, room: Room, body: string) =>
    (await api[who].request("POST", `/api/rooms/${room.id}/messages`, { body })).json.message as { id: string; seq: number };
  const box = () => bob.getByRole("searchbox", { name: "Search messages" });
  const results = () => bob.getByRole("region", { name: "Search results" }).locator(".search-result");

  let bobSession = "";
  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    const sessions: Record<string, string> = {};
    for (const who of Object.keys(names) as (keyof typeof names)[]) {
      sessions[who] = await signUp(api[who], worker.url, names[who]);
    }
    launch = await api.alice.createRoom(`launch-${tag}`, "Go / no-go for Friday");
    ops = await api.alice.createRoom(`ops-${tag}`, "On-call and incidents");
    for (const room of [launch, ops]) {
      await api.bob.join(room.id);
      await api.carol.join(room.id);
    }
    await say("carol", ops, "Heads up: the rollback plan for billing needs a second reviewer");
    await api.alice.sendMany(launch.id, 40, (i) => CHATTER[i % CHATTER.length]!);
    target = await say("alice", launch, "The rollback plan for the payments migration is in the runbook, step 4 has the <feature flag>");
    // Far more after it than one page holds: the room opens at its end, nowhere near the target.
    await Promise.all([
      api.carol.sendMany(launch.id, 120, (i) => CHATTER[(i * 3) % CHATTER.length]!, 2),
      api.alice.sendMany(launch.id, 120, (i) => CHATTER[(i * 5 + 1) % CHATTER.length]!, 2),
    ]);
    await say("carol", launch, "Did anyone rehearse the rollback yet? Plan it for Thursday");
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1440, height: 900 }, colorScheme: "light" });
    contexts.push(context);
    bobSession = sessions.bob!;
    await keepSignedIn(context, bobSession);
    bob = await context.newPage();
    await bob.goto(`/#/rooms/${launch.id}`);
    await bob.getByRole("textbox", { name: `Message #${launch.name}` }).waitFor();
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("/ focuses the box; a search lists the matches newest first with the words marked, as text", async () => {
    await bob.locator(".timeline").click();
    await bob.keyboard.press("/");
    await expect.poll(() => bob.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Search messages");
    await box().fill('"rollback plan"');
    await box().press("Enter");
    await expect.poll(() => results().count()).toBe(2);
    // The newest first: ops's message came before the launch one; carol's later "rollback … Plan" is no phrase.
    expect(await results().locator(".search-result-room").allInnerTexts()).toEqual([`# ${launch.name}`, `# ${ops.name}`]);
    expect(await results().first().locator("mark").allInnerTexts()).toEqual(["rollback", "plan"]);
    expect(await results().first().locator(".search-result-snippet").innerText()).toContain("<feature flag>");
    expect(await results().first().locator(".search-result-author").innerText()).toBe(names.alice);
    expect(await axeViolations(bob)).toEqual([]);
    await results().first().hover();
    await bob.waitForTimeout(150);
    await screenshot(bob, "14-search");
  });

  it("choosing an old result in a long room opens the room around it, scrolled to it and marked", async () => {
    const found = bob.locator(`.timeline .message[data-seq="${target.seq}"]`);
    expect(await found.count()).toBe(0);
    await results().first().click();
    await expect.poll(() => found.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => found.evaluate((el) => el.classList.contains("found"))).toBe(true);
    // In the viewport of the timeline, not merely in the DOM (virtua renders a buffer around it).
    await expect
      .poll(() =>
        found.evaluate((el) => {
          const row = el.getBoundingClientRect();
          const view = el.closest(".timeline")!.getBoundingClientRect();
          return row.top >= view.top && row.bottom <= view.bottom;
        }),
      )
      .toBe(true);
    expect(await bob.getByRole("region", { name: "Search results" }).count()).toBe(0);
    // The window around it reaches back to older messages and on to newer ones (loaded as one scrolls).
    await expect.poll(() => bob.locator(`.timeline .message[data-seq="${target.seq - 1}"]`).count()).toBe(1);
    expect(await bob.getByRole("button", { name: /Jump to latest/ }).count()).toBe(1);
  });

  it("a result in another room opens that room at the message", async () => {
    await box().click();
    await expect.poll(() => results().count()).toBe(2);
    await results().nth(1).click();
    await bob.getByRole("textbox", { name: `Message #${ops.name}` }).waitFor();
    await expect.poll(() => bob.locator(".timeline .message.found").innerText()).toContain("needs a second reviewer");
  });

  it("on a phone the field spans the top bar while in use, and the results fit the screen", async () => {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 390, height: 780 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, bobSession);
    const phone = await context.newPage();
    await phone.goto(`/#/rooms/${launch.id}`);
    const field = phone.getByRole("searchbox", { name: "Search messages" });
    await field.waitFor();
    const width = () => phone.evaluate(() => document.documentElement.scrollWidth);
    expect(await width()).toBeLessThanOrEqual(390);
    expect((await field.boundingBox())!.width).toBeLessThan(60);
    await field.click();
    expect((await field.boundingBox())!.width).toBeGreaterThan(300);
    await field.fill("rollback");
    await field.press("Enter");
    const found = phone.getByRole("region", { name: "Search results" }).locator(".search-result");
    await expect.poll(() => found.count()).toBe(3);
    const panel = (await phone.getByRole("region", { name: "Search results" }).boundingBox())!;
    expect(panel.x + panel.width).toBeLessThanOrEqual(390);
    expect(await width()).toBeLessThanOrEqual(390);
    await screenshot(phone, "14-search-phone");
  });
});
