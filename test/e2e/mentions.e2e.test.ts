import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/**
 * @mentions between two people in real browsers: alice picks bob from the composer's mention
 * picker with the keyboard, and bob sees the message addressed to him stand out.
 */
describe.skipIf(chromiumMissing)("@mentions in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let room: Room;
  let ops: Room;
  const tag = Math.random().toString(36).slice(2, 6);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}`, bea: `bea_${tag}`, carol: `carol_${tag}`, dave: `dave_${tag}` };
  const api = Object.fromEntries(Object.keys(names).map((who) => [who, new ApiClient("")])) as Record<keyof typeof names, ApiClient>;
  const pages: { alice?: Page; bob?: Page } = {};
  const contexts: BrowserContext[] = [];

  /** Signs `who` in with a session already in storage (as a returning user) and opens the room, on a wide screen. */
  async function openAs(who: "alice" | "bob", session: string) {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1440, height: 900 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, session);
    const page = await context.newPage();
    await page.goto(`/#/rooms/${room.id}`);
    await composer(page).waitFor();
    return page;
  }
  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${room.name}` });
  const row = (page: Page, text: string) => page.locator(".timeline .message").filter({ hasText: text });
  const options = (page: Page) => page.getByRole("listbox", { name: "Mention someone" }).getByRole("option");
  const say = (who: keyof typeof names, body: string) => api[who].request("POST", `/api/rooms/${room.id}/messages`, { body });

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    const sessions: Record<string, string> = {};
    for (const who of Object.keys(names) as (keyof typeof names)[]) {
      sessions[who] = await signUp(api[who], worker.url, names[who]);
    }
    room = await api.alice.createRoom(`launch-${tag}`, "Go / no-go for Friday");
    for (const who of ["bob", "bea", "carol", "dave"] as const) await api[who].join(room.id);
    ops = await api.alice.createRoom(`ops-${tag}`, "On-call and incidents");
    await api.bob.join(ops.id);
    await say("alice", "Morning all 👋 launch prep for Friday happens here today");
    await say("carol", "Morning! I'll keep the checklist in the pinned doc up to date");
    await say("dave", "Staging deploy finished, all checks green ✅");
    await say("carol", "@here standup moves to 10:30 today, the big room is booked until then");
    await say("alice", "Thanks. The load test at 2× peak passed, p99 stayed under 80 ms");
    await say("bea", "QA pass on Android is done: two minor issues filed, neither blocks the launch");
    pages.bob = await openAs("bob", sessions.bob!);
    pages.alice = await openAs("alice", sessions.alice!);
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("alice picks bob with the keyboard and sends; bob sees his mention highlighted", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    // bob is online (his tab is open), bea is not: bob comes first though "bea" sorts before him.
    await expect.poll(() => alice.locator(".presence li").allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining(names.bob)]));
    await composer(alice).pressSequentially("@b");
    await expect.poll(() => options(alice).locator(".mention-option-name").allInnerTexts()).toEqual([names.bob, names.bea]);
    expect(await options(alice).first().getAttribute("aria-selected")).toBe("true");
    expect(await axeViolations(alice)).toEqual([]);

    await composer(alice).press("ArrowDown");
    await composer(alice).press("ArrowUp");
    const active = await composer(alice).getAttribute("aria-activedescendant");
    expect(await alice.locator(`[id="${active}"]`).innerText()).toContain(names.bob);
    await composer(alice).press("Enter");
    expect(await composer(alice).inputValue()).toBe(`@${names.bob} `);
    expect(await options(alice).count()).toBe(0);
    await composer(alice).pressSequentially("can you review the release notes before 3? They're in `docs/release.md`");
    await composer(alice).press("Enter");
    await row(alice, "can you review the release notes").locator(".send-status").waitFor({ state: "detached" });

    const mention = row(bob, "can you review the release notes");
    await expect.poll(() => mention.locator("span.mention-me").allInnerTexts()).toEqual([`@${names.bob}`]);
    await expect.poll(() => mention.getAttribute("class")).toContain("mentioned");
    expect(await mention.getAttribute("aria-label")).toMatch(/, mentions you$/);
    // carol's @here addresses bob too; dave's message addresses no one.
    expect(await row(bob, "standup moves").getAttribute("class")).toContain("mentioned");
    expect(await row(bob, "Staging deploy finished").getAttribute("class")).not.toContain("mentioned");
    // alice's own message is not highlighted for her, and her name there is an ordinary mention.
    expect(await row(alice, "can you review the release notes").getAttribute("class")).not.toContain("mentioned");
    expect(await row(alice, "can you review the release notes").locator("span.mention:not(.mention-me)").count()).toBe(1);
  });

  it("Esc closes the picker and keeps the draft; a click picks", async () => {
    const { bob } = pages as Required<typeof pages>;
    await composer(bob).pressSequentially("ping @ca");
    await expect.poll(() => options(bob).count()).toBe(1);
    await composer(bob).press("Escape");
    expect(await options(bob).count()).toBe(0);
    expect(await composer(bob).inputValue()).toBe("ping @ca");
    await composer(bob).fill("");
    await composer(bob).pressSequentially("@d");
    await options(bob).filter({ hasText: names.dave }).click();
    expect(await composer(bob).inputValue()).toBe(`@${names.dave} `);
    await expect.poll(() => bob.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
    await composer(bob).fill("");
  });

  it("bob, in another room, gets an @ badge on the room that mentions him, kept over a reload and cleared by reading it", async () => {
    const { bob } = pages as Required<typeof pages>;
    const link = (r: Room) => bob.getByRole("navigation", { name: "Rooms" }).locator(`a[href="#/rooms/${r.id}"]`);
    await link(ops).click();
    await bob.getByRole("textbox", { name: `Message #${ops.name}` }).waitFor();
    await say("dave", "Unrelated: the coffee machine is fixed");
    await say("alice", `@${names.bob} the release notes are ready for you`);
    const lastMention = (await say("alice", `and @${names.bob.toUpperCase()} please check the changelog too`)).json.message.seq as number;
    const badge = link(room).locator(".mention-badge");
    await expect.poll(() => badge.innerText()).toBe("@2");
    expect(await badge.getAttribute("aria-label")).toBe("2 mentions, 3 unread");
    await screenshot(bob, "13-mention-badge");
    await bob.reload();
    await bob.getByRole("textbox", { name: `Message #${ops.name}` }).waitFor();
    await expect.poll(() => badge.innerText()).toBe("@2");
    await link(room).click();
    // Read once the room's window is loaded and shown.
    await row(bob, "please check the changelog").waitFor();
    const readTo = async () => {
      const { json } = await api.bob.request("GET", "/api/rooms?joined=true");
      return (json.rooms as (Room & { lastReadSeq: number })[]).find((r) => r.id === room.id)!.lastReadSeq;
    };
    await expect.poll(readTo).toBeGreaterThanOrEqual(lastMention);
    await link(ops).click();
    await bob.getByRole("textbox", { name: `Message #${ops.name}` }).waitFor();
    expect(await badge.count()).toBe(0);
    await link(room).click();
    await composer(bob).waitFor();
  });

  it("screenshot: bob's view, his mention highlighted and the picker open, light and dark", async () => {
    const { bob } = pages as Required<typeof pages>;
    await say("carol", "I can pair on the **migration** part if that helps");
    await say("dave", "Numbers are on the launch dashboard now 📈");
    await say("bea", "Both QA issues have fixes in review");
    await say("alice", "Thanks all 🙏");
    await row(bob, "Thanks all").waitFor();
    await composer(bob).pressSequentially("Sure, on it. Looping in @");
    await expect.poll(() => options(bob).count()).toBe(6);
    await bob.waitForTimeout(200);
    await screenshot(bob, "12-mention");
    expect(await axeViolations(bob)).toEqual([]);
    // The same in the dark theme: the tints and the picker, for axe and to look at.
    await bob.emulateMedia({ colorScheme: "dark" });
    await screenshot(bob, "12-mention-dark");
    expect(await axeViolations(bob)).toEqual([]);
  });
});
