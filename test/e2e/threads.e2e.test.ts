import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Message, Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/**
 * Threads between two people in real browsers: a reply in one's thread panel shows live in the
 * other's, the parent's reply count moves for both, "Also send to the room" puts a reply in the
 * timeline too, and a thread stays right across a reload and a reconnect.
 */
describe.skipIf(chromiumMissing)("threads in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let room: Room;
  const api = { alice: new ApiClient(""), bob: new ApiClient("") };
  const sessions = { alice: "", bob: "" };
  const pages: { alice?: Page; bob?: Page } = {};
  const contexts: BrowserContext[] = [];
  const tag = Math.random().toString(36).slice(2, 6);

  async function openAs(who: "alice" | "bob") {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1280, height: 760 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, sessions[who]);
    const page = await context.newPage();
    await page.goto(`/#/rooms/${room.id}`);
    await composer(page).waitFor();
    return page;
  }
  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${room.name}` });
  const panel = (page: Page) => page.getByRole("complementary", { name: "Thread" });
  const replyBox = (page: Page) => panel(page).getByRole("textbox", { name: "Reply in thread" });
  const row = (page: Page, text: string) => page.locator(".timeline .message").filter({ hasText: text });
  const inPanel = (page: Page, text: string) => panel(page).locator(".message").filter({ hasText: text });
  const panelBodies = (page: Page) => panel(page).locator(".thread-scroll > .message .message-body").allInnerTexts();
  async function send(page: Page, text: string) {
    await composer(page).fill(text);
    await composer(page).press("Enter");
    await row(page, text).locator(".send-status").waitFor({ state: "detached" });
  }
  async function reply(page: Page, text: string) {
    await replyBox(page).fill(text);
    await replyBox(page).press("Enter");
    await inPanel(page, text).waitFor();
    await inPanel(page, text).locator(".send-status").waitFor({ state: "detached" });
  }
  const parentId = async (body: string) => (await api.alice.history(room.id)).messages.find((m) => m.body === body)!.id;

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    for (const who of ["alice", "bob"] as const) {
      sessions[who] = await signUp(api[who], worker.url, `${who}_${tag}`);
    }
    room = await api.alice.createRoom(uniqueName("release"), "Shipping 2.4 on Friday");
    await api.bob.join(room.id);
    pages.alice = await openAs("alice");
    pages.bob = await openAs("bob");
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("alice replies in a thread; bob sees the count go to 1 live, opens the thread and sees the reply", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await send(alice, "Who can review the release notes today?");
    await row(bob, "Who can review the release notes").waitFor();

    await row(alice, "Who can review the release notes").hover();
    await row(alice, "Who can review the release notes").getByRole("button", { name: "Reply in thread" }).click();
    await expect.poll(() => panel(alice).locator(".thread-parent").innerText()).toContain("Who can review the release notes today?");
    expect(alice.url()).toContain("?thread=");
    // The thread's composer has the focus, and its own draft.
    await expect.poll(() => alice.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Reply in thread");
    await reply(alice, "I can take the changelog section");

    const summary = row(bob, "Who can review the release notes").locator(".thread-summary");
    await expect.poll(() => summary.innerText()).toMatch(/^1 reply · last reply /);
    await expect.poll(() => row(alice, "Who can review the release notes").locator(".thread-summary").innerText()).toMatch(/^1 reply/);
    // A reply only in its thread has no row in the room's timeline.
    expect(await row(bob, "I can take the changelog section").count()).toBe(0);
    await summary.click();
    await inPanel(bob, "I can take the changelog section").waitFor();
    expect(await panelBodies(bob)).toEqual(["I can take the changelog section"]);
  });

  it("bob replies with 'Also send to the room': alice sees it in the timeline and in the panel, once each", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await panel(bob)
      .getByRole("checkbox", { name: `Also send to #${room.name}` })
      .check();
    await reply(bob, "I'll do the rest, done by 3pm");
    await row(alice, "I'll do the rest, done by 3pm").waitFor();
    await inPanel(alice, "I'll do the rest, done by 3pm").waitFor();
    expect(await panelBodies(alice)).toEqual(["I can take the changelog section", "I'll do the rest, done by 3pm"]);
    expect(await row(alice, "I'll do the rest").getByRole("button", { name: "Replied in a thread" }).count()).toBe(1);
    await expect.poll(() => row(alice, "Who can review the release notes").locator(".thread-summary").innerText()).toMatch(/^2 replies/);
  });

  it("a reaction and an edit of a reply show in the other's panel live", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    const mine = inPanel(alice, "I can take the changelog section");
    await inPanel(bob, "I can take the changelog section").hover();
    await inPanel(bob, "I can take the changelog section").getByRole("button", { name: "React with 👍" }).click();
    await expect.poll(() => mine.locator(".reaction").evaluateAll((els) => els.map((e) => e.textContent))).toEqual(["👍 1"]);
    await mine.hover();
    await mine.getByRole("button", { name: "Edit message" }).click();
    const editor = alice.getByRole("textbox", { name: "Edit message" });
    await editor.fill("I can take the changelog and upgrade notes");
    await editor.press("Enter");
    await expect.poll(() => inPanel(bob, "I can take the changelog and upgrade notes").innerText()).toContain("(edited)");
  });

  it("↑ in the empty thread composer edits your last reply in the panel", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await replyBox(alice).click();
    await replyBox(alice).press("ArrowUp");
    const editor = panel(alice).getByRole("textbox", { name: "Edit message" });
    expect(await editor.inputValue()).toBe("I can take the changelog and upgrade notes");
    await editor.fill("I can take the changelog, upgrade notes too");
    await editor.press("Enter");
    await expect.poll(() => inPanel(bob, "I can take the changelog, upgrade notes too").innerText()).toContain("(edited)");
  });

  it("bob, offline meanwhile, gets the replies he missed in the open panel, each once", async () => {
    const { bob } = pages as Required<typeof pages>;
    await bob.context().setOffline(true);
    await bob.getByRole("status").getByText("Offline").waitFor();
    const id = await parentId("Who can review the release notes today?");
    for (const body of ["Upgrade notes are in the doc now", "Thanks both!"]) {
      expect((await api.alice.request("POST", `/api/rooms/${room.id}/messages`, { body, parentId: id })).status).toBe(201);
    }
    await bob.context().setOffline(false);
    await bob.getByRole("status").getByText("Connected").waitFor();
    await inPanel(bob, "Thanks both!").waitFor();
    await expect
      .poll(() => panelBodies(bob))
      .toEqual(["I can take the changelog, upgrade notes too", "I'll do the rest, done by 3pm", "Upgrade notes are in the doc now", "Thanks both!"]);
    await expect.poll(() => row(bob, "Who can review the release notes").locator(".thread-summary").innerText()).toMatch(/^4 replies/);
  });

  it("a reload reopens the thread from the address; Esc closes it and gives the room's composer the focus", async () => {
    const { alice } = pages as Required<typeof pages>;
    await alice.reload();
    await inPanel(alice, "Thanks both!").waitFor();
    await replyBox(alice).focus();
    await alice.keyboard.press("Escape");
    await expect.poll(() => panel(alice).count()).toBe(0);
    expect(alice.url()).not.toContain("?thread=");
    await expect.poll(() => alice.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(`Message #${room.name}`);
  });

  it("screenshot: the thread panel beside the timeline, light", async () => {
    const { alice } = pages as Required<typeof pages>;
    const carol = new ApiClient(worker.url);
    await carol.register(`carol_${tag}`);
    await carol.join(room.id);
    const post = async (who: ApiClient, body: string, extra: object = {}) =>
      (await who.request("POST", `/api/rooms/${room.id}/messages`, { body, ...extra })).json.message as Message;
    await post(api.bob, "Staging is green after the migration fix");
    const parent = await post(carol, "Do we ship the new **export** dialog in 2.4, or keep it behind the flag?");
    await post(api.bob, "Behind the flag, I'd say. Support hasn't seen it yet", { parentId: parent.id });
    await post(api.alice, "Agreed. Let's turn it on for the beta group first", { parentId: parent.id });
    const last = await post(carol, "Works for me, I'll write the flag up in the release notes", { parentId: parent.id, alsoToRoom: true });
    await api.bob.request("PUT", `/api/rooms/${room.id}/messages/${last.id}/reactions/${encodeURIComponent("👍")}`);
    await row(alice, "Do we ship the new").locator(".thread-summary").click();
    await inPanel(alice, "Works for me").locator(".reaction").waitFor();
    await replyBox(alice).fill("I'll ping support");
    await alice.mouse.move(600, 140);
    await screenshot(alice, "11-thread");
    expect(await axeViolations(alice)).toEqual([]);
  });

  it("on a phone the thread opens over the timeline, and its close button gives the room back", async () => {
    const { alice } = pages as Required<typeof pages>;
    const question = (await api.bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "Is the Android build green?" })).json.message as Message;
    await api.alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "Yes, since this morning", parentId: question.id });
    await alice.setViewportSize({ width: 390, height: 760 });
    // The online list, shown beside the timeline at the wide size, would cover it now.
    const people = alice.locator(".people-toggle");
    // The screenshot before left a thread open; with it closed, the online list would cover the timeline.
    if ((await panel(alice).count()) > 0) await panel(alice).getByRole("button", { name: "Close thread" }).click();
    await expect.poll(() => panel(alice).count()).toBe(0);
    if ((await people.getAttribute("aria-expanded")) === "true") await people.click();
    await expect.poll(() => people.getAttribute("aria-expanded")).toBe("false");
    try {
      await row(alice, "Is the Android build green?").locator(".thread-summary").click();
      await inPanel(alice, "Yes, since this morning").waitFor();
      const box = (await panel(alice).boundingBox())!;
      expect([box.x, box.width]).toEqual([0, 390]);
      await panel(alice).getByRole("button", { name: "Close thread" }).click();
      await expect.poll(() => panel(alice).count()).toBe(0);
      await composer(alice).waitFor();
    } finally {
      await alice.setViewportSize({ width: 1280, height: 760 });
      if ((await people.getAttribute("aria-expanded")) === "false") await people.click();
    }
  });
});
