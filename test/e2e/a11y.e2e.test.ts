import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, CHROMIUM, createAndJoinRoom, launchChromium, person, register, screenshot, seedDirectory } from "./browser.ts";

if (chromiumMissing) console.warn(`e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/**
 * axe-core on every main screen of the built UI, light (alice) and dark (bob), desktop and phone:
 * no serious or critical violation anywhere. Each screen is also saved as a screenshot
 * (test-results/screenshots/a11y-*.png) to look at what axe judged.
 */
describe.skipIf(chromiumMissing)("accessibility of every main screen (axe-core, headless Chromium)", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let alice: Awaited<ReturnType<typeof person>>;
  let bob: Awaited<ReturnType<typeof person>>;
  const tag = Math.random().toString(36).slice(2, 7);
  // bob's name is as long as a name may be (32): the online list must cut it, not overflow.
  const names = { alice: `alice_${tag}`, bob: `bob_with_a_very_long_name_${tag}`.slice(0, 32), room: `a11y-${tag}` };
  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${names.room}` });

  /** Saves the screen as `a11y-<name>.png` and expects axe to find nothing serious or critical. */
  async function expectAccessible(page: Page, name: string) {
    await screenshot(page, `a11y-${name}`);
    expect(await axeViolations(page), name).toEqual([]);
  }

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ SUGGEST_ENGINE: "builtin" });
    browser = await launchChromium();
    alice = await person(browser, worker.url);
    bob = await person(browser, worker.url, { dark: true });
    await seedDirectory(worker.url, tag, [
      [`design-${tag}`, "Mockups, reviews and the component library"],
      [`random-${tag}`, ""],
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("sign-in, both modes, light and dark", async () => {
    for (const [who, theme] of [
      [alice, "light"],
      [bob, "dark"],
    ] as const) {
      await who.page.goto("/");
      await who.page.getByRole("heading", { name: "Welcome back" }).waitFor();
      await expectAccessible(who.page, `sign-in-${theme}`);
      await who.page.getByRole("button", { name: "Create an account" }).click();
      await who.page.getByRole("heading", { name: "Create your account" }).waitFor();
      await expectAccessible(who.page, `register-${theme}`);
      await who.page.getByRole("button", { name: "Create account" }).click();
      await who.page.getByRole("alert").filter({ hasText: /\S/ }).waitFor();
      await expectAccessible(who.page, `register-error-${theme}`);
    }
  });

  it("the room directory with rooms, light and dark", async () => {
    await register(alice.page, names.alice);
    await register(bob.page, names.bob);
    await createAndJoinRoom({ page: alice.page, name: names.alice }, { page: bob.page, name: names.bob }, { name: names.room, topic: "Checked with axe", tag });
    for (const [who, theme] of [
      [alice, "light"],
      [bob, "dark"],
    ] as const) {
      await who.page.getByRole("link", { name: "Browse rooms" }).click();
      await who.page.getByText(`# design-${tag}`).waitFor();
      await expectAccessible(who.page, `directory-${theme}`);
    }
  });

  it("an open room with messages, presence and a typing notice, light and dark", async () => {
    for (const { page } of [alice, bob]) await page.getByRole("button", { name: `Open ${names.room}` }).click();
    for (const [who, text] of [
      [alice, "hello, is the contrast fine?"],
      [bob, "see https://example.com/wcag for the rules"],
    ] as const) {
      await composer(who.page).fill(text);
      await composer(who.page).press("Enter");
      await who.page.getByRole("log").getByText(text).waitFor();
    }
    await composer(alice.page).pressSequentially("typing", { delay: 20 });
    await bob.page.getByText(`${names.alice} is typing…`).waitFor();
    await composer(bob.page).pressSequentially("typing", { delay: 20 });
    await alice.page.getByText(`${names.bob} is typing…`).waitFor();
    await expectAccessible(alice.page, "room-light");
    await expectAccessible(bob.page, "room-dark");
  });

  it("a room while this client is offline (the online list greyed)", async () => {
    await bob.context.setOffline(true);
    await bob.page.getByRole("status").getByText("Offline").waitFor();
    await bob.page.getByText("may be out of date").waitFor();
    await expectAccessible(bob.page, "room-offline-dark");
    await bob.context.setOffline(false);
    await bob.page.getByRole("status").getByText("Connected").waitFor();
  });

  it("the phone layout, drawer closed and open, and the people panel", async () => {
    const phone = await person(browser, worker.url, { width: 390, height: 780 });
    await register(phone.page, `carol_${tag}`);
    await phone.page.getByLabel("Search rooms by name").fill(tag);
    await phone.page.getByRole("button", { name: `Join ${names.room}` }).click();
    await phone.page.getByRole("log").getByText("hello, is the contrast fine?").waitFor();
    await expectAccessible(phone.page, "phone-room");
    await phone.page.getByRole("button", { name: "Rooms menu" }).click();
    await phone.page.getByRole("navigation", { name: "Rooms" }).getByText(names.room).waitFor();
    await phone.page.waitForTimeout(300); // the drawer's slide-in
    await expectAccessible(phone.page, "phone-drawer-open");
    await phone.page.getByRole("button", { name: "Rooms menu" }).click();
    await phone.page.getByRole("button", { name: /online$/ }).click();
    await phone.page.locator("#room-presence").getByText(names.alice).waitFor();
    await expectAccessible(phone.page, "phone-people");
    await phone.context.close();
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });
});
