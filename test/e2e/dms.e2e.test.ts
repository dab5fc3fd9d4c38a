import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ApiClient } from "../support/client.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/**
 * Direct messages in Chromium: alice starts one with bob from "New message" (the type-ahead
 * picker), bob's sidebar shows it at once without a reload, he replies and she sees it live;
 * starting it again opens the same DM.
 */
describe.skipIf(chromiumMissing)("Direct messages in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: { alice?: Page; bob?: Page } = {};
  // Short names, as people have (a long one overflows the panels).
  const tag = Math.random().toString(36).slice(2, 6);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}` };
  const api = { alice: new ApiClient(""), bob: new ApiClient("") };
  const sessions: Record<string, string> = {};
  const dms = (page: Page) => page.getByRole("list", { name: "Direct messages" });
  const row = (page: Page, text: string) => page.locator(".timeline .message").filter({ hasText: text });

  async function open(who: "alice" | "bob") {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1100, height: 720 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, sessions[who]!);
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("navigation", { name: "Rooms" }).waitFor();
    return page;
  }

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    for (const who of ["alice", "bob"] as const) sessions[who] = await signUp(api[who], worker.url, names[who]);
    // A room of theirs, so the sidebar has rooms above the DMs.
    const room = await api.alice.createRoom(`launch-${tag}`, "Go / no-go for Friday");
    await api.bob.join(room.id);
    pages.alice = await open("alice");
    pages.bob = await open("bob");
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("alice starts a DM with bob from New message; bob's sidebar shows it live", async () => {
    const alice = pages.alice!;
    await alice.getByRole("button", { name: "New message" }).click();
    const dialog = alice.getByRole("dialog", { name: "New message" });
    const to = dialog.getByRole("combobox", { name: "To" });
    await expect.poll(() => to.evaluate((el) => el === document.activeElement)).toBe(true);
    await to.fill(`bob_${tag}`.slice(0, 5));
    await dialog.getByRole("option", { name: names.bob }).waitFor();
    // The user is never offered for their own DM.
    expect(await dialog.getByRole("option", { name: names.alice }).count()).toBe(0);
    expect(await axeViolations(alice)).toEqual([]);
    await to.press("Enter");
    await dialog.getByRole("button", { name: `Remove ${names.bob}` }).waitFor();
    await dialog.getByRole("button", { name: "Start" }).click();
    await alice.getByRole("heading", { name: names.bob, level: 1 }).waitFor();
    expect(await dialog.count()).toBe(0);
    await dms(alice).getByRole("link", { name: names.bob }).waitFor();

    // bob did not reload: the user stream's membership event put it in his sidebar.
    await dms(pages.bob!).getByRole("link", { name: names.alice }).waitFor({ timeout: 10_000 });
  });

  it("they talk in it both ways, live; the DM shows unread in bob's sidebar first", async () => {
    const [alice, bob] = [pages.alice!, pages.bob!];
    const composer = (page: Page, other: string) => page.getByRole("textbox", { name: `Message ${other}` });
    await composer(alice, names.bob).fill("Hi bob, can we go over the rollout privately?");
    await composer(alice, names.bob).press("Enter");
    const link = dms(bob).getByRole("link", { name: new RegExp(`^${names.alice}`) });
    await expect.poll(() => link.locator(".badge").getAttribute("aria-label")).toBe("1 unread");
    await link.click();
    await bob.getByRole("heading", { name: names.alice, level: 1 }).waitFor();
    await row(bob, "Hi bob, can we go over the rollout privately?").waitFor();
    await composer(bob, names.alice).fill("Sure, after standup works for me");
    await composer(bob, names.alice).press("Enter");
    await row(alice, "Sure, after standup works for me").waitFor();
    await composer(alice, names.bob).fill("Great, I will bring the **checklist**");
    await composer(alice, names.bob).press("Enter");
    await row(bob, "Great, I will bring the").waitFor();
    // Formatted once the lazy Markdown chunk is in: the screenshot shows the message as read.
    await alice.locator("strong", { hasText: "checklist" }).waitFor();
    await screenshot(alice, "16-dm");
    expect(await axeViolations(alice)).toEqual([]);
  });

  it("starting the same DM again opens the one they have", async () => {
    const alice = pages.alice!;
    const before = await alice.evaluate(() => location.hash);
    await alice.getByRole("link", { name: `launch-${tag}` }).click();
    await alice.getByRole("heading", { name: `# launch-${tag}` }).waitFor();
    await alice.getByRole("button", { name: "New message" }).click();
    const dialog = alice.getByRole("dialog", { name: "New message" });
    await dialog.getByRole("combobox", { name: "To" }).fill(names.bob);
    await dialog.getByRole("option", { name: names.bob }).click();
    await dialog.getByRole("button", { name: "Start" }).click();
    await alice.getByRole("heading", { name: names.bob, level: 1 }).waitFor();
    expect(await alice.evaluate(() => location.hash)).toBe(before);
    expect(await dms(alice).getByRole("link").count()).toBe(1);
  });

  it("on a phone, New message opens from the drawer at the screen's width, and the DM opens", async () => {
    const alice = pages.alice!;
    await alice.setViewportSize({ width: 390, height: 760 });
    await alice.getByRole("button", { name: "Rooms menu" }).click();
    await alice.getByRole("button", { name: "New message" }).click();
    const dialog = alice.getByRole("dialog", { name: "New message" });
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await dialog.getByRole("combobox", { name: "To" }).fill(names.bob);
    await dialog.getByRole("option", { name: names.bob }).click();
    await screenshot(alice, "16-dm-dialog-phone");
    expect(await axeViolations(alice)).toEqual([]);
    await dialog.getByRole("button", { name: "Start" }).click();
    await dialog.waitFor({ state: "detached" });
    await alice.getByRole("heading", { name: names.bob, level: 1 }).waitFor();
    // The drawer closed behind it: the DM is on screen.
    expect(await alice.evaluate(() => document.querySelector(".shell")!.classList.contains("nav-open"))).toBe(false);
    expect(await alice.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(alice, "16-dm-phone");
  });
});
