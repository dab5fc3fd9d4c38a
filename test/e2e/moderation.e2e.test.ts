import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ApiClient } from "../support/client.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

type Who = "alice" | "bob" | "carol" | "dave";

/**
 * Private rooms and moderation in Chromium: alice creates a private room, invites bob and carol
 * (their sidebars gain it live), makes bob a moderator (his badge shows), then removes carol, who
 * sees the notice and loses the room. In a public room she bans dave, whose Join from the
 * directory then shows the server's refusal.
 */
describe.skipIf(chromiumMissing)("Private rooms and moderation in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Partial<Record<Who, Page>> = {};
  const tag = Math.random().toString(36).slice(2, 6);
  const names: Record<Who, string> = { alice: `alice_${tag}`, bob: `bob_${tag}`, carol: `carol_${tag}`, dave: `dave_${tag}` };
  const api: Record<Who, ApiClient> = { alice: new ApiClient(""), bob: new ApiClient(""), carol: new ApiClient(""), dave: new ApiClient("") };
  const sessions: Partial<Record<Who, string>> = {};
  const secret = `war-room-${tag}`;
  const lobby = `lobby-${tag}`;
  const sidebar = (page: Page) => page.getByRole("navigation", { name: "Rooms" });
  const members = (page: Page) => page.getByRole("dialog", { name: new RegExp(`^Members of #`) });
  const memberRow = (page: Page, who: Who) => members(page).locator(".member-row").filter({ hasText: names[who] });

  async function open(who: Who, hash = "") {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1100, height: 760 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, sessions[who]!);
    const page = await context.newPage();
    // Remove and ban ask first (confirm()): everyone here means it.
    page.on("dialog", (d) => void d.accept());
    await page.goto(`/${hash}`);
    await sidebar(page).waitFor();
    return page;
  }
  /** alice picks these people in the picker that has the focus, one by one. */
  async function pick(page: Page, people: Who[]) {
    const box = page.getByRole("combobox", { name: "People to add" });
    for (const who of people) {
      await box.fill(names[who].slice(0, 4));
      await page.getByRole("option", { name: names[who] }).click();
    }
  }

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    for (const who of Object.keys(names) as Who[]) sessions[who] = await signUp(api[who], worker.url, names[who]);
    for (const who of Object.keys(names) as Who[]) pages[who] = await open(who);
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("alice creates a private room; it has a lock and is not in anyone else's directory", async () => {
    const alice = pages.alice!;
    await alice.getByLabel("New room name").fill(secret);
    await alice.getByLabel("Topic (optional)").fill("Incident 4711, members only");
    await alice.getByRole("radio", { name: "Private" }).check();
    await alice.getByRole("button", { name: "Create room" }).click();
    await alice.getByRole("heading", { name: `${secret} (private)`, level: 1 }).waitFor();
    expect(await sidebar(alice).getByRole("link", { name: secret }).innerText()).toContain("🔒");
    const bob = pages.bob!;
    await bob.getByLabel("Search rooms by name").fill(tag);
    await bob.getByText(/No rooms match/).waitFor();
  });

  it("alice invites bob and carol: their sidebars gain the room live; she makes bob a moderator", async () => {
    const alice = pages.alice!;
    await alice.getByRole("button", { name: "Members" }).click();
    await memberRow(alice, "alice").getByText("owner").waitFor();
    await members(alice).getByRole("button", { name: "Invite people" }).click();
    await pick(alice, ["bob", "carol"]);
    await alice.getByRole("button", { name: "Invite", exact: true }).click();
    await memberRow(alice, "carol").waitFor();
    for (const who of ["bob", "carol"] as const) await sidebar(pages[who]!).getByRole("link", { name: secret }).waitFor({ timeout: 10_000 });

    await memberRow(alice, "bob")
      .getByRole("button", { name: `Actions for ${names.bob}` })
      .click();
    await memberRow(alice, "bob").getByRole("button", { name: "Make moderator" }).click();
    await memberRow(alice, "bob").locator(".role-badge", { hasText: "moderator" }).waitFor();
    // bob sees his own badge, live, in the list he opens.
    const bob = pages.bob!;
    await sidebar(bob).getByRole("link", { name: secret }).click();
    await bob.getByRole("button", { name: "Members" }).click();
    await memberRow(bob, "bob").locator(".role-badge", { hasText: "moderator" }).waitFor();
    // A moderator removes members, not owners, and changes no one's role.
    expect(
      await memberRow(bob, "alice")
        .getByRole("button", { name: /Actions for/ })
        .count(),
    ).toBe(0);
    await memberRow(bob, "carol")
      .getByRole("button", { name: `Actions for ${names.carol}` })
      .click();
    expect(await memberRow(bob, "carol").locator(".member-popover button").allInnerTexts()).toEqual(["Remove from room", "Ban from room"]);
    await bob.keyboard.press("Escape");
    await bob.keyboard.press("Escape");
    expect(await members(bob).count()).toBe(0);
  });

  it("alice removes carol, who has the room open: carol sees why, and the room leaves her sidebar", async () => {
    const carol = pages.carol!;
    await sidebar(carol).getByRole("link", { name: secret }).click();
    await carol.getByRole("heading", { name: `${secret} (private)`, level: 1 }).waitFor();

    const alice = pages.alice!;
    await memberRow(alice, "carol")
      .getByRole("button", { name: `Actions for ${names.carol}` })
      .click();
    await memberRow(alice, "carol").getByRole("button", { name: "Remove from room" }).waitFor();
    await screenshot(alice, "17-member-menu");
    expect(await axeViolations(alice)).toEqual([]);
    await memberRow(alice, "carol").getByRole("button", { name: "Remove from room" }).click();
    await expect.poll(() => memberRow(alice, "carol").count()).toBe(0);

    await carol.getByRole("heading", { name: `You were removed from #${secret}` }).waitFor({ timeout: 10_000 });
    expect(await sidebar(carol).getByRole("link", { name: secret }).count()).toBe(0);
    await screenshot(carol, "17-removed-notice");
    expect(await axeViolations(carol)).toEqual([]);
    await carol.getByRole("link", { name: "Browse rooms" }).last().click();
    await carol.getByRole("heading", { name: "Browse rooms" }).waitFor();
  });

  it("a banned user loses a public room and cannot join it again: the directory shows the server's message", async () => {
    const room = await api.alice.createRoom(lobby, "Everyone welcome");
    await api.dave.join(room.id);
    const dave = pages.dave!;
    await dave.reload();
    await sidebar(dave).getByRole("link", { name: lobby }).waitFor();

    const alice = pages.alice!;
    await alice.keyboard.press("Escape");
    // Made over HTTP: her page learns of it on a load (only invites and DMs come live).
    await alice.goto(`/#/rooms/${room.id}`);
    await alice.reload();
    await alice.getByRole("heading", { name: `# ${lobby}` }).waitFor();
    await alice.getByRole("button", { name: "Members" }).click();
    await memberRow(alice, "dave")
      .getByRole("button", { name: `Actions for ${names.dave}` })
      .click();
    await memberRow(alice, "dave").getByRole("button", { name: "Ban from room" }).click();
    await expect.poll(() => memberRow(alice, "dave").count()).toBe(0);

    await expect.poll(() => sidebar(dave).getByRole("link", { name: lobby }).count(), { timeout: 10_000 }).toBe(0);
    await dave.getByLabel("Search rooms by name").fill(lobby);
    await dave.getByRole("button", { name: `Join ${lobby}` }).click();
    await expect.poll(() => dave.locator(".directory .form-error").innerText()).toMatch(/banned/i);
    expect(await sidebar(dave).getByRole("link", { name: lobby }).count()).toBe(0);
  });
});
