import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium } from "./browser.ts";

/** How long a read on one device may take to show on the other (a loaded 2-core machine: a bound, not the usual). */
const SYNCED_WITHIN_MS = 5000;

/**
 * Read state synced across devices: bob signed in twice (two browser contexts, two sessions, as a
 * laptop and a phone) while alice posts. What one device reads clears on the other, a reload keeps
 * the server's state, and the "New messages" line sits at the server's marker.
 */
describe.skipIf(chromiumMissing)("read state on two devices of one user, in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let room: Room;
  let lobby: Room;
  const tag = Math.random().toString(36).slice(2, 6);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}` };
  let alice: ApiClient;
  let bob: ApiClient;
  const devices: { a?: Page; b?: Page } = {};
  const contexts: BrowserContext[] = [];

  /** A device of bob's: its own session in storage (as a returning user), in the lobby, on a wide screen. */
  async function device(session: string) {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1280, height: 800 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, session);
    const page = await context.newPage();
    await page.goto(`/#/rooms/${lobby.id}`);
    await composer(page, lobby).waitFor();
    return page;
  }
  const composer = (page: Page, r: Room) => page.getByRole("textbox", { name: `Message #${r.name}` });
  const link = (page: Page, r: Room) => page.getByRole("navigation", { name: "Rooms" }).locator(`a[href="#/rooms/${r.id}"]`);
  const badge = (page: Page) => link(page, room).locator(".badge");
  /** The badge's label ("2 unread", "1 mention, 3 unread"), or "" without one. */
  const badgeLabel = async (page: Page) => ((await badge(page).count()) ? ((await badge(page).getAttribute("aria-label")) ?? "") : "");
  const say = async (body: string) => (await alice.request("POST", `/api/rooms/${room.id}/messages`, { body })).json.message.seq as number;
  /** bob's marker in the room, as the server keeps it. */
  const serverMarker = async () => {
    const { json } = await bob.request("GET", "/api/rooms?joined=true");
    return (json.rooms as (Room & { lastReadSeq: number })[]).find((r) => r.id === room.id)!.lastReadSeq;
  };
  const openRoom = async (page: Page, r: Room) => {
    await link(page, r).click();
    await composer(page, r).waitFor();
  };

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s", LOGIN_RATE: "1000/60s" });
    browser = await launchChromium();
    alice = new ApiClient(worker.url);
    bob = new ApiClient(worker.url);
    await alice.register(names.alice);
    const laptop = await bob.request("POST", "/api/auth/register", { username: names.bob, password: "correct horse battery" });
    bob.token = laptop.json.token;
    const phone = await bob.request("POST", "/api/auth/login", { username: names.bob, password: "correct horse battery" });
    room = await alice.createRoom(`release-${tag}`, "Shipping Friday");
    lobby = await alice.createRoom(`lobby-${tag}`, "Anything else");
    await bob.join(room.id);
    await bob.join(lobby.id);
    await say("Kickoff: the release checklist is in the doc");
    devices.a = await device(JSON.stringify(laptop.json));
    devices.b = await device(JSON.stringify(phone.json));
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("both devices show the unread badge; reading on A clears it on B", async () => {
    const { a, b } = devices as Required<typeof devices>;
    await say("Build 412 is on staging");
    await say("Smoke tests are green");
    // The kickoff came after bob joined: 3 unread.
    for (const page of [a, b]) await expect.poll(() => badgeLabel(page)).toBe("3 unread");
    await openRoom(a, room);
    await expect.poll(() => badgeLabel(b), { timeout: SYNCED_WITHIN_MS, interval: 100 }).toBe("");
    await openRoom(a, lobby);
    expect(await badgeLabel(a)).toBe("");
    expect(await serverMarker()).toBeGreaterThan(0);
  });

  it("a mention badge, on both devices, cleared on B by reading on A", async () => {
    const { a, b } = devices as Required<typeof devices>;
    await say(`@${names.bob} can you sign off the changelog?`);
    await say("Also the screenshots for the store listing");
    for (const page of [a, b]) await expect.poll(() => badgeLabel(page)).toBe("1 mention, 2 unread");
    expect(await link(b, room).locator(".mention-badge").innerText()).toBe("@1");
    await openRoom(a, room);
    await expect.poll(() => badgeLabel(b), { timeout: SYNCED_WITHIN_MS, interval: 100 }).toBe("");
    await openRoom(a, lobby);
  });

  it("a reload of B keeps the state from the server (not its storage), and B's New messages line sits at the server's marker", async () => {
    const { a, b } = devices as Required<typeof devices>;
    const marker = await serverMarker();
    const first = await say("Release notes: draft two is up");
    await say(`@${names.bob} and the rollback plan, please`);
    await say("Go / no-go at 3 pm");
    await expect.poll(() => badgeLabel(b)).toBe("1 mention, 3 unread");
    // Everything but the session goes, so what comes back can only come from the server.
    await b.evaluate(() => Object.keys(localStorage).forEach((k) => k === "parley.session" || localStorage.removeItem(k)));
    await b.reload();
    await composer(b, lobby).waitFor();
    await expect.poll(() => badgeLabel(b)).toBe("1 mention, 3 unread");
    expect(await serverMarker()).toBe(marker);

    await openRoom(b, room);
    const line = b.locator(".new-marker");
    await line.waitFor();
    const after = await b.evaluate(() => {
      const bottom = document.querySelector(".new-marker")!.getBoundingClientRect().bottom;
      const rows = [...document.querySelectorAll<HTMLElement>(".timeline .message[data-seq]")];
      const before = rows.filter((e) => e.getBoundingClientRect().bottom <= bottom + 1).map((e) => Number(e.dataset.seq));
      const next = rows.find((e) => e.getBoundingClientRect().top >= bottom - 1);
      return { next: Number(next?.dataset.seq), before: Math.max(...before) };
    });
    expect(after.next).toBe(first);
    expect(after.before).toBeLessThanOrEqual(marker);
    // B read it all: the server's marker moved, and A's badge (which never opened the room since) goes.
    await expect.poll(serverMarker).toBeGreaterThan(first);
    await expect.poll(() => badgeLabel(a), { timeout: SYNCED_WITHIN_MS, interval: 100 }).toBe("");
  });
});
