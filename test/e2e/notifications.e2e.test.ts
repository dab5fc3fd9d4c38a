import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Room, RoomNotifications } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/** What the stubbed `Notification` was constructed with, in the page. */
interface Note {
  title: string;
  body?: string;
  tag?: string;
}
declare global {
  interface Window {
    __notes: Note[];
  }
}

/**
 * Browser notifications in Chromium: bob sets the room to "Mentions only", and with his tab in the
 * background alice's plain message notifies nothing while her mention of him does; muted, the room
 * notifies nothing more; the settings come back from the server after a reload. Headless Chromium
 * shows no notifications, so `Notification` is stubbed to record what would show.
 */
describe.skipIf(chromiumMissing)("Notifications in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let bob: Page;
  let room: Room;
  const tag = Math.random().toString(36).slice(2, 6);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}` };
  const api = { alice: new ApiClient(""), bob: new ApiClient("") };
  const say = (body: string) => api.alice.request("POST", `/api/rooms/${room.id}/messages`, { body });
  const row = (text: string) => bob.locator(".timeline .message").filter({ hasText: text });
  const bell = () => bob.getByRole("button", { name: `Notifications for #${room.name}` });
  const notes = () => bob.evaluate(() => window.__notes);
  /** bob's settings for the room, as the server holds them. */
  const stored = async () => {
    const { json } = await api.bob.request("GET", "/api/rooms?joined=true");
    return (json.rooms as (Room & { notifications: RoomNotifications })[]).find((r) => r.id === room.id)!.notifications;
  };
  const setVisibility = (state: "hidden" | "visible") =>
    bob.evaluate((s) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => s });
      document.dispatchEvent(new Event("visibilitychange"));
    }, state);

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    let session = "";
    for (const who of ["alice", "bob"] as const) {
      const signed = await signUp(api[who], worker.url, names[who]);
      if (who === "bob") session = signed;
    }
    room = await api.alice.createRoom(`launch-${tag}`, "Go / no-go for Friday");
    await api.bob.join(room.id);
    await say("Morning all, launch prep happens here today");

    context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1440, height: 900 }, colorScheme: "light" });
    await context.grantPermissions(["notifications"]);
    await keepSignedIn(context, session);
    await context.addInitScript(() => {
      window.__notes = [];
      class RecordedNotification {
        static permission: NotificationPermission = "granted";
        static requestPermission = async () => RecordedNotification.permission;
        onclick: (() => void) | null = null;
        constructor(title: string, options: NotificationOptions = {}) {
          window.__notes.push({ title, body: options.body, tag: options.tag });
        }
        close() {}
      }
      Object.defineProperty(window, "Notification", { configurable: true, value: RecordedNotification });
    });
    bob = await context.newPage();
    await bob.goto(`/#/rooms/${room.id}`);
    await bob.getByRole("textbox", { name: `Message #${room.name}` }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await worker?.stop();
  });

  it("bob picks 'Mentions only' for the room from its bell menu, with the keyboard; axe stays clean", async () => {
    await bell().click();
    expect(await bell().getAttribute("aria-expanded")).toBe("true");
    const group = bob.getByRole("group", { name: `Notifications for #${room.name}` });
    // The room follows bob's level until he picks one; the focus starts on the checked choice.
    await expect.poll(() => group.getByRole("radio", { name: "Default (follows yours)" }).isChecked()).toBe(true);
    await expect.poll(() => bob.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe("default");
    await bob.keyboard.press("ArrowDown");
    await bob.keyboard.press("ArrowDown");
    expect(await group.getByRole("radio", { name: "Mentions only" }).isChecked()).toBe(true);
    await expect.poll(stored).toEqual({ level: "mentions", muted: false });
    await screenshot(bob, "15-notifications-menu");
    expect(await axeViolations(bob)).toEqual([]);
    await bob.keyboard.press("Escape");
    expect(await bell().getAttribute("aria-expanded")).toBe("false");
    await expect.poll(() => bob.evaluate(() => document.activeElement?.getAttribute("aria-controls"))).toBe(await bell().getAttribute("aria-controls"));
  });

  it("in the background, a plain message notifies nothing and a mention of bob shows one notification", async () => {
    await setVisibility("hidden");
    await say("The load test at 2× peak passed");
    await row("The load test at 2× peak passed").waitFor();
    await bob.waitForTimeout(300);
    expect(await notes()).toEqual([]);
    await say(`@${names.bob} can you review the release notes before 3?`);
    await expect.poll(notes).toHaveLength(1);
    expect((await notes())[0]).toEqual({
      title: `${names.alice} in #${room.name}`,
      body: `@${names.bob} can you review the release notes before 3?`,
      tag: `parley-room-${room.id}`,
    });
    // The message came both as a room message and as a mention on bob's stream: it showed once.
    await bob.waitForTimeout(300);
    expect(await notes()).toHaveLength(1);
  });

  it("muted, the room notifies nothing, not even a mention; the sidebar shows it quieter", async () => {
    await setVisibility("visible");
    await bell().click();
    await bob.getByRole("checkbox", { name: "Mute this room" }).check();
    await expect.poll(stored).toEqual({ level: "mentions", muted: true });
    await bob.keyboard.press("Escape");
    await setVisibility("hidden");
    await say(`@${names.bob} one more thing: the changelog`);
    await row("one more thing: the changelog").waitFor();
    await bob.waitForTimeout(500);
    expect(await notes()).toHaveLength(1);
    await setVisibility("visible");
    const link = bob.getByRole("navigation", { name: "Rooms" }).locator(`a[href="#/rooms/${room.id}"]`);
    expect(await link.getAttribute("class")).toContain("muted-room");
  });

  it("the settings survive a reload, from the server", async () => {
    await bob.reload();
    await bob.getByRole("textbox", { name: `Message #${room.name}` }).waitFor();
    await bell().click();
    const group = bob.getByRole("group", { name: `Notifications for #${room.name}` });
    await expect.poll(() => group.getByRole("radio", { name: "Mentions only" }).isChecked()).toBe(true);
    expect(await group.getByRole("checkbox", { name: "Mute this room" }).isChecked()).toBe(true);
    expect(await bell().innerText()).toContain("🔕");
    expect(await axeViolations(bob)).toEqual([]);
    await bob.keyboard.press("Escape");
  });
});
