import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/**
 * Edits, deletions and reactions between two people in real browsers: what one does, the other
 * sees live, from the room's event stream, and again in history after a reload.
 */
describe.skipIf(chromiumMissing)("edits, deletions and reactions in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let room: Room;
  const api = { alice: new ApiClient(""), bob: new ApiClient("") };
  const sessions = { alice: "", bob: "" };
  const pages: { alice?: Page; bob?: Page } = {};
  const contexts: BrowserContext[] = [];
  /** Short names, as people have: a long one overflows the online list (a scrollable region axe flags). */
  const tag = Math.random().toString(36).slice(2, 6);

  /** Signs `who` in with a session already in storage (as a returning user) and opens the room. */
  async function openAs(who: "alice" | "bob") {
    const context = await browser.newContext({ baseURL: worker.url, viewport: { width: 1100, height: 720 }, colorScheme: "light" });
    contexts.push(context);
    await keepSignedIn(context, sessions[who]);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: worker.url });
    const page = await context.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`/#/rooms/${room.id}`);
    await composer(page).waitFor();
    return page;
  }
  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${room.name}` });
  /** The row of the message with that text (or its tombstone's neighbour, by seq). */
  const row = (page: Page, text: string) => page.locator(".timeline .message").filter({ hasText: text });
  const rowAt = (page: Page, seq: number) => page.locator(`.timeline .message[data-seq="${seq}"]`);
  const chips = (message: ReturnType<typeof row>) =>
    message.locator(".reaction").evaluateAll((els) => els.map((e) => `${e.textContent} ${e.getAttribute("aria-pressed")}`));
  async function send(page: Page, text: string) {
    await composer(page).fill(text);
    await composer(page).press("Enter");
    await row(page, text).locator(".send-status").waitFor({ state: "detached" });
    return Number(await row(page, text).getAttribute("data-seq"));
  }

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    for (const who of ["alice", "bob"] as const) {
      sessions[who] = await signUp(api[who], worker.url, `${who}_${tag}`);
    }
    room = await api.alice.createRoom(uniqueName("launch"), "Go / no-go for Friday");
    await api.bob.join(room.id);
    pages.alice = await openAs("alice");
    pages.bob = await openAs("bob");
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("alice edits and deletes her messages; bob sees (edited) and the tombstone live", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await send(alice, "Launch is on Thursdya");
    const doomed = await send(alice, "ignore this, wrong room");
    await row(bob, "ignore this, wrong room").waitFor();

    const draft = row(alice, "Launch is on Thursdya");
    await draft.hover();
    await draft.getByRole("button", { name: "Edit message" }).click();
    const editor = alice.getByRole("textbox", { name: "Edit message" });
    await expect.poll(() => editor.inputValue()).toBe("Launch is on Thursdya");
    await editor.fill("Launch is on Friday");
    await editor.press("Enter");
    await expect.poll(() => row(bob, "Launch is on Friday").innerText()).toContain("(edited)");
    await expect.poll(() => row(bob, "Launch is on Friday").locator(".edited").getAttribute("title")).toMatch(/^Edited /);
    expect(await row(bob, "Thursdya").count()).toBe(0);

    await row(alice, "ignore this, wrong room").hover();
    await row(alice, "ignore this, wrong room").getByRole("button", { name: "Delete message" }).click();
    for (const page of [alice, bob]) {
      await expect.poll(() => rowAt(page, doomed).locator(".message-body").innerText()).toBe("This message was deleted.");
      expect(await rowAt(page, doomed).locator(".message-actions").count()).toBe(0);
    }
  });

  it("bob reacts and alice sees the count live and toggles it too, with the quick reactions and the picker", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await bob.keyboard.press("Escape");
    const onBob = row(bob, "Launch is on Friday");
    await onBob.hover();
    await onBob.getByRole("button", { name: "React with 🎉" }).click();
    const onAlice = row(alice, "Launch is on Friday");
    await expect.poll(() => chips(onAlice)).toEqual(["🎉 1 false"]);
    await expect.poll(() => chips(onBob)).toEqual(["🎉 1 true"]);

    await onAlice.locator(".reaction").click();
    await expect.poll(() => chips(onBob)).toEqual(["🎉 2 true"]);
    await expect.poll(() => chips(onAlice)).toEqual(["🎉 2 true"]);
    // Who reacted is named on hover.
    await onAlice.locator(".reaction").hover();
    await expect
      .poll(() => onAlice.locator(".reaction").getAttribute("aria-label"))
      .toMatch(/^🎉 2 reactions: .*alice.*, .*bob|🎉 2 reactions: .*bob.*, .*alice/);
    await onAlice.locator(".reaction").click();
    await expect.poll(() => chips(onBob)).toEqual(["🎉 1 true"]);

    // The full picker, loaded on first use.
    await onBob.hover();
    await onBob.getByRole("button", { name: "Add reaction" }).click();
    const picker = bob.getByRole("dialog", { name: "Choose a reaction" });
    await picker.getByRole("combobox").fill("rocket");
    await picker.getByRole("option", { name: "rocket" }).first().click();
    await expect.poll(() => chips(onAlice)).toEqual(["🎉 1 false", "🚀 1 false"]);
    expect(await picker.count()).toBe(0);
  });

  it("after bob reloads, the edit, the tombstone and the reactions are all in history", async () => {
    const { bob } = pages as Required<typeof pages>;
    await bob.reload();
    await row(bob, "Launch is on Friday").waitFor();
    expect(await row(bob, "Launch is on Friday").innerText()).toContain("(edited)");
    await expect.poll(() => chips(row(bob, "Launch is on Friday"))).toEqual(["🎉 1 true", "🚀 1 true"]);
    expect(await bob.getByText("This message was deleted.").count()).toBe(1);
    expect(await bob.getByText("ignore this, wrong room").count()).toBe(0);
  });

  it("bob, offline meanwhile, gets the edit and the reactions he missed when he is back, each once", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await send(alice, "Standup moved to 10:30");
    await row(bob, "Standup moved to 10:30").waitFor();
    await bob.context().setOffline(true);
    await bob.getByRole("status").getByText("Offline").waitFor();

    const { messages } = await api.alice.history(room.id);
    const id = (body: string) => messages.find((m) => m.body === body)!.id;
    const path = (body: string) => `/api/rooms/${room.id}/messages/${id(body)}`;
    expect((await api.alice.request("PATCH", path("Standup moved to 10:30"), { body: "Standup moved to 11:00" })).status).toBe(200);
    expect((await api.alice.request("PUT", `${path("Standup moved to 10:30")}/reactions/${encodeURIComponent("👀")}`)).status).toBe(200);
    // Bob's own reaction from another device: his "me" when he is back.
    expect((await api.bob.request("PUT", `${path("Standup moved to 10:30")}/reactions/${encodeURIComponent("👍")}`)).status).toBe(200);
    expect((await api.alice.request("PUT", `${path("Launch is on Friday")}/reactions/${encodeURIComponent("🎉")}`)).status).toBe(200);

    await bob.context().setOffline(false);
    await bob.getByRole("status").getByText("Connected").waitFor();
    const standup = row(bob, "Standup moved to 11:00");
    await expect.poll(() => chips(standup)).toEqual(["👀 1 false", "👍 1 true"]);
    await expect.poll(() => chips(row(bob, "Launch is on Friday"))).toEqual(["🎉 2 true", "🚀 1 true"]);
    expect(await standup.innerText()).toContain("(edited)");
    // What the stream gave is what history says.
    await bob.reload();
    await expect.poll(() => chips(row(bob, "Standup moved to 11:00"))).toEqual(["👀 1 false", "👍 1 true"]);
    await expect.poll(() => chips(row(bob, "Launch is on Friday"))).toEqual(["🎉 2 true", "🚀 1 true"]);
  });

  it("↑ in the empty composer edits alice's last message; Esc gives the composer back", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await send(alice, "Checklist is in the doc");
    await composer(alice).focus();
    await composer(alice).press("ArrowUp");
    const editor = alice.getByRole("textbox", { name: "Edit message" });
    await expect.poll(() => editor.inputValue()).toBe("Checklist is in the doc");
    await editor.press("Escape");
    await expect.poll(() => alice.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(`Message #${room.name}`);
    await composer(alice).press("ArrowUp");
    await editor.press("End");
    await editor.pressSequentially(", section 3");
    await editor.press("Enter");
    await expect.poll(() => row(bob, "Checklist is in the doc, section 3").innerText()).toContain("(edited)");
    // The view still follows the conversation after an edit at its end.
    await api.bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "Thanks, reading it now" });
    await row(alice, "Thanks, reading it now").waitFor();
    await alice.waitForTimeout(300);
    expect(await alice.locator(".jump-button").count()).toBe(0);
  });

  it("screenshot: reactions on messages, light", async () => {
    const { alice } = pages as Required<typeof pages>;
    const carol = new ApiClient(worker.url);
    await carol.register(`carol_${tag}`);
    await carol.join(room.id);
    const said: [ApiClient, string][] = [
      [api.bob, "Staging is green, load test at 2× peak passed"],
      [carol, "Release notes are drafted, need one more review"],
      [api.alice, "Great work everyone, go for Friday 🚀"],
    ];
    const ids: string[] = [];
    for (const [who, body] of said) {
      const res = await who.request("POST", `/api/rooms/${room.id}/messages`, { body });
      ids.push(res.json.message.id);
    }
    const react = (who: ApiClient, id: string, emoji: string) =>
      who.request("PUT", `/api/rooms/${room.id}/messages/${id}/reactions/${encodeURIComponent(emoji)}`);
    for (const [who, i, emoji] of [
      [api.alice, 0, "🎉"],
      [carol, 0, "🎉"],
      [carol, 0, "👍"],
      [api.bob, 1, "👀"],
      [api.bob, 2, "❤️"],
      [carol, 2, "❤️"],
      [api.bob, 2, "🚀"],
    ] as const)
      expect((await react(who, ids[i]!, emoji)).status).toBe(200);
    await expect.poll(() => chips(row(alice, "go for Friday"))).toEqual(["❤️ 2 false", "🚀 1 false"]);
    await row(alice, "Release notes are drafted").hover();
    await screenshot(alice, "10-reactions");
    // The actions bar reached by Tab, and the picker open: nothing serious for axe either.
    // The keyboard's way in: the row takes the focus, and Tab goes on into its actions bar.
    await row(alice, "Great work everyone").focus();
    await alice.keyboard.press("Tab");
    expect(await alice.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("React with 👍");
    expect(await axeViolations(alice)).toEqual([]);
    await row(alice, "Great work everyone").getByRole("button", { name: "Add reaction" }).click();
    const picker = alice.getByRole("dialog", { name: "Choose a reaction" });
    await picker.getByRole("combobox").waitFor();
    await expect.poll(() => picker.locator("button.emoji").count(), { timeout: 10_000 }).toBeGreaterThan(10);
    expect(await axeViolations(alice)).toEqual([]);
    await alice.keyboard.press("Escape");
    await expect.poll(() => alice.getByRole("dialog", { name: "Choose a reaction" }).count()).toBe(0);
    expect(await alice.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Add reaction");
  });
});
