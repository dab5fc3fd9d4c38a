import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { buildWebUi, chromiumMissing, CHROMIUM, createAndJoinRoom, launchChromium, person, register, screenshot, seedDirectory } from "./browser.ts";

if (chromiumMissing) console.warn(`e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/** Two people in two browser profiles chat through the built UI served by a real worker. */
describe.skipIf(chromiumMissing)("web UI end to end (headless Chromium)", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let alice: Awaited<ReturnType<typeof person>>;
  let bob: Awaited<ReturnType<typeof person>>;
  const tag = Math.random().toString(36).slice(2, 7);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}`, room: `launch-${tag}` };

  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${names.room}` });
  const timeline = (page: Page) => page.getByRole("log");
  const send = async (page: Page, text: string) => {
    await composer(page).fill(text);
    await composer(page).press("Enter");
  };
  /** Every rendered message's text, in order: duplicates would show here. */
  const bodies = (page: Page) => page.locator(".timeline .message .message-body").allInnerTexts();

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ SUGGEST_ENGINE: "builtin" });
    browser = await launchChromium();
    alice = await person(browser, worker.url);
    bob = await person(browser, worker.url, { dark: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("registers two people, who create and join a room and see each other", async () => {
    await alice.page.goto("/");
    await alice.page.getByRole("heading", { name: "Welcome back" }).waitFor();
    await screenshot(alice.page, "01-sign-in");
    await register(alice.page, names.alice);
    await register(bob.page, names.bob);

    await createAndJoinRoom(
      { page: alice.page, name: names.alice },
      { page: bob.page, name: names.bob },
      { name: names.room, topic: "Shipping the next release", tag },
    );
    // Presence is not membership: a tab opening or closing shows in the online list, not as a "joined" line.
    expect(await alice.page.locator(".notice").count()).toBe(0);
  });

  it("exchanges messages both ways, with typing notices", async () => {
    await composer(alice.page).pressSequentially("hi", { delay: 20 });
    await bob.page.getByText(`${names.alice} is typing…`).waitFor();
    await composer(alice.page).press("Enter");
    await timeline(bob.page).getByText("hi", { exact: true }).waitFor();
    await send(bob.page, "hello alice, see https://example.com/notes?id=1.");
    await timeline(alice.page).getByRole("link", { name: "https://example.com/notes?id=1" }).waitFor();
    expect(await bodies(alice.page)).toEqual(["hi", "hello alice, see https://example.com/notes?id=1."]);
  });

  it("renders HTML and script payloads as text and runs nothing", async () => {
    const payload = `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script><a href="javascript:window.__pwned='a'">x</a>`;
    await send(alice.page, payload);
    await timeline(bob.page).getByText(payload, { exact: true }).waitFor();
    for (const { page } of [alice, bob]) {
      expect(await page.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(await page.locator(".message-body img, .message-body script, .message-body a[href^='javascript']").count()).toBe(0);
    }
  });

  it("catches up after going offline, without duplicates, and delivers what was sent offline", async () => {
    await bob.context.setOffline(true);
    await bob.page.getByRole("status").getByText("Offline").waitFor();
    for (const n of [1, 2, 3]) await send(alice.page, `while you were out ${n}`);
    await send(bob.page, "typed on the train");
    await bob.page.locator(".message.pending").getByText("typed on the train").waitFor();

    await bob.context.setOffline(false);
    await bob.page.getByRole("status").getByText("Connected").waitFor();
    await timeline(bob.page).getByText("while you were out 3").waitFor();
    await expect.poll(() => bob.page.locator(".message.pending").count()).toBe(0);
    await timeline(alice.page).getByText("typed on the train").waitFor();
    for (const { page } of [alice, bob]) {
      const texts = await bodies(page);
      expect(texts.filter((t) => t.startsWith("while you were out"))).toEqual(["while you were out 1", "while you were out 2", "while you were out 3"]);
      expect(texts.filter((t) => t === "typed on the train")).toHaveLength(1);
    }
    const seqs = await bob.page.locator(".timeline .message[data-seq]").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("shows a suggestion as ghost text and Tab inserts it", async () => {
    await send(bob.page, "let's ship the release candidate tonight");
    await send(alice.page, "agreed, ship the release candidate after the tests");
    await composer(alice.page).pressSequentially("we ship the rel", { delay: 30 });
    const ghost = alice.page.locator(".ghost-text");
    await expect.poll(() => ghost.innerText(), { timeout: 5000 }).toMatch(/^ease/);
    const suggestion = await ghost.innerText();
    await screenshot(alice.page, "03-chat-ghost-suggestion");
    await composer(alice.page).press("Tab");
    await expect.poll(() => composer(alice.page).inputValue()).toBe(`we ship the rel${suggestion}`);
    await expect(ghost.innerText()).resolves.toBe("");
    await composer(alice.page).fill("");
  });

  it("stays signed in across a reload, fits a phone screen, and signs out", async () => {
    await bob.page.reload();
    await bob.page.getByRole("heading", { name: `# ${names.room}` }).waitFor();
    await timeline(bob.page).getByText("typed on the train").waitFor();
    await seedDirectory(worker.url, tag, [
      [`design-${tag}`, "Mockups, reviews and the component library"],
      [`random-${tag}`, ""],
      [`support-${tag}`, "Customer questions, triaged daily"],
    ]);
    await bob.page.getByRole("link", { name: "Browse rooms" }).click();
    await bob.page.getByRole("heading", { name: "Browse rooms" }).waitFor();
    await bob.page.locator(".room-card").first().waitFor();
    await screenshot(bob.page, "02-room-directory-dark");

    const phone = await person(browser, worker.url, { width: 390, height: 780 });
    await register(phone.page, `carol_${tag}`);
    await phone.page.getByLabel("Search rooms by name").fill(tag);
    await phone.page.getByRole("button", { name: `Join ${names.room}` }).click();
    await timeline(phone.page).getByText("typed on the train").waitFor();
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await screenshot(phone.page, "04-mobile-chat");
    await phone.context.close();

    await bob.page.getByRole("button", { name: "Sign out", exact: true }).click();
    await bob.page.getByRole("heading", { name: "Welcome back" }).waitFor();
    await bob.page.reload();
    await bob.page.getByRole("heading", { name: "Welcome back" }).waitFor();
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });
});
