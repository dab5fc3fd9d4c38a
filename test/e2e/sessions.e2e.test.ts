import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { buildWebUi, chromiumMissing, CHROMIUM, launchChromium, person, register } from "./browser.ts";

if (chromiumMissing) console.warn(`e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/** Tabs of one profile, focus and keyboard, and the composer's ghost text, through the built UI and a real worker. */
describe.skipIf(chromiumMissing)("web UI sessions, focus and composer (headless Chromium)", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  const tag = Math.random().toString(36).slice(2, 7);
  const password = "correct horse battery";

  const composer = (page: Page, room: string) => page.getByRole("textbox", { name: `Message #${room}` });
  const signInScreen = (page: Page) => page.getByRole("heading", { name: "Welcome back" });
  const createRoom = async (page: Page, name: string) => {
    await page.getByRole("link", { name: "Browse rooms" }).click();
    await page.getByLabel("New room name").fill(name);
    await page.getByRole("button", { name: "Create room" }).click();
    await page.getByRole("heading", { name: `# ${name}` }).waitFor();
  };
  /** What has the focus: its label, id, text or tag. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el?.getAttribute("aria-label") || el?.id || el?.textContent?.trim() || el?.tagName;
    });

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ SUGGEST_ENGINE: "builtin" });
    // Scrollbars take room in a desktop browser: the ghost text must line up with them there.
    browser = await launchChromium({ scrollbars: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("signs out every tab of the profile together, and a tab adopts the session another signed in", async () => {
    const { context, page: first, errors } = await person(browser, worker.url);
    await register(first, `tabs_${tag}`, password);
    const second = await context.newPage();
    await second.goto("/");
    await second.getByRole("navigation", { name: "Rooms" }).waitFor();

    await first.getByRole("button", { name: "Sign out", exact: true }).click();
    await signInScreen(first).waitFor();
    await signInScreen(second).waitFor({ timeout: 3000 });

    await first.getByLabel("Username").fill(`tabs_${tag}`);
    await first.getByLabel("Password").fill(password);
    await first.getByRole("button", { name: "Sign in" }).click();
    await second.getByRole("navigation", { name: "Rooms" }).waitFor({ timeout: 3000 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("ends the tab's session when it is revoked from elsewhere (the socket's upgrade is then refused)", async () => {
    const { context, page, errors } = await person(browser, worker.url);
    await register(page, `revoked_${tag}`, password);
    await createRoom(page, `revoked-${tag}`);
    await page.getByRole("status").getByText("Connected").waitFor();
    const login = await fetch(`${worker.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: `revoked_${tag}`, password }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    const out = await fetch(`${worker.url}/api/auth/logout-all`, { method: "POST", headers: { authorization: `Bearer ${login.token}` } });
    expect(out.status).toBe(200);
    await signInScreen(page).waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => localStorage.getItem("parley.session"))).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("skips to the content without changing the route, and puts the focus in the composer after sign-in and a room switch (sidebar, Ctrl+K, Alt+↑)", async () => {
    const { context, page, errors } = await person(browser, worker.url);
    await register(page, `focus_${tag}`, password);
    await createRoom(page, `focus-a-${tag}`);
    await createRoom(page, `focus-b-${tag}`);
    await expect.poll(() => focused(page)).toBe(`Message #focus-b-${tag}`);
    await page.getByRole("link", { name: `focus-a-${tag}` }).click();
    await expect.poll(() => focused(page)).toBe(`Message #focus-a-${tag}`);
    const room = await page.evaluate(() => location.hash);

    await page.reload();
    await expect.poll(() => focused(page)).toBe(`Message #focus-a-${tag}`);
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("main");
    expect(await page.evaluate(() => location.hash)).toBe(room);
    await page.getByRole("heading", { name: `# focus-a-${tag}` }).waitFor();

    await composer(page, `focus-a-${tag}`).fill("half a thought");
    await page.keyboard.press("Control+k");
    await page.getByRole("dialog", { name: "Jump to a room" }).getByRole("combobox").fill("focus-b");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `# focus-b-${tag}` }).waitFor();
    await expect.poll(() => focused(page)).toBe(`Message #focus-b-${tag}`);
    await page.keyboard.press("Alt+ArrowUp");
    await page.getByRole("heading", { name: `# focus-a-${tag}` }).waitFor();
    await expect.poll(() => focused(page)).toBe(`Message #focus-a-${tag}`);
    expect(await composer(page, `focus-a-${tag}`).inputValue()).toBe("half a thought");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("on a phone, the closed drawer takes no focus, and Esc closes the open one and returns to the menu button", async () => {
    const { context, page, errors } = await person(browser, worker.url, { width: 390, height: 780 });
    await register(page, `drawer_${tag}`, password);
    expect(await page.getByRole("navigation", { name: "Rooms" }).getAttribute("inert")).toBe("");
    const stops: string[] = [];
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      stops.push(await page.evaluate(() => (document.activeElement?.closest(".sidebar") ? "sidebar" : (document.activeElement?.tagName ?? ""))));
    }
    expect(stops).not.toContain("sidebar");

    await page.getByRole("button", { name: "Rooms menu" }).click();
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest(".sidebar"))).toBe(true);
    await page.keyboard.press("Escape");
    expect(await focused(page)).toBe("Rooms menu");
    expect(await page.getByRole("button", { name: "Rooms menu" }).getAttribute("aria-expanded")).toBe("false");
    expect(errors).toEqual([]);
    await context.close();
  });

  /** Types `lines` into the room's composer and waits for the builtin engine's ghost text, learnt from the room's history. */
  async function ghostAfter(page: Page, room: string, lines: string) {
    await composer(page, room).fill("let's ship the release candidate tonight");
    await composer(page, room).press("Enter");
    await composer(page, room).fill(lines);
    await composer(page, room).pressSequentially(" rel", { delay: 30 });
    await expect.poll(() => page.locator(".ghost-text").innerText(), { timeout: 5000 }).toMatch(/^ease/);
    return page.evaluate(async () => {
      // The composer sizes itself to the text and suggestion once a frame: measure after that frame.
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const area = document.querySelector<HTMLTextAreaElement>(".composer textarea")!;
      const mirror = document.querySelector<HTMLElement>(".ghost-mirror")!;
      const ghost = document.querySelector<HTMLElement>(".ghost-text")!.getClientRects();
      const box = area.getBoundingClientRect();
      const typed = document.querySelector<HTMLElement>(".ghost-typed")!;
      const caret = document.createRange();
      caret.setStart(typed.firstChild!, area.value.length);
      return {
        area: {
          scrollTop: area.scrollTop,
          clientWidth: area.clientWidth,
          scrollHeight: area.scrollHeight,
          top: box.top,
          bottom: box.bottom,
          left: box.left,
          right: box.right,
        },
        mirror: { scrollTop: mirror.scrollTop, clientWidth: mirror.clientWidth },
        ghost: [...ghost].map((r) => ({ top: r.top, bottom: r.bottom, left: r.left, right: r.right })),
        caretLeft: caret.getBoundingClientRect().left,
      };
    });
  }
  /** The ghost text lies within the textarea's visible box, and the mirror wraps and scrolls as the textarea does. */
  function expectAligned(m: Awaited<ReturnType<typeof ghostAfter>>) {
    expect(m.mirror.clientWidth).toBe(m.area.clientWidth);
    expect(m.mirror.scrollTop).toBe(m.area.scrollTop);
    expect(m.ghost.length).toBeGreaterThan(0);
    for (const r of m.ghost) {
      expect(r.top).toBeGreaterThanOrEqual(m.area.top);
      expect(r.bottom).toBeLessThanOrEqual(m.area.bottom + 0.5);
      expect(r.right).toBeLessThanOrEqual(m.area.right);
    }
    expect(Math.abs(m.ghost[0]!.left - m.caretLeft)).toBeLessThan(1);
  }

  it("lines the ghost text up with the caret in a composer of 8+ lines", async () => {
    const { context, page, errors } = await person(browser, worker.url);
    await register(page, `ghost_${tag}`, password);
    await createRoom(page, `ghost-${tag}`);
    const lines = Array.from({ length: 9 }, (_, i) => `line ${i + 1}`).join("\n") + "\nwe ship the";
    const m = await ghostAfter(page, `ghost-${tag}`, lines);
    expect(m.area.scrollTop).toBeGreaterThan(0);
    expectAligned(m);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("grows the composer when the ghost text wraps on a phone, so it is not clipped", async () => {
    const { context, page, errors } = await person(browser, worker.url, { width: 390, height: 780 });
    await register(page, `wrap_${tag}`, password);
    await page.getByLabel("New room name").fill(`wrap-${tag}`);
    await page.getByRole("button", { name: "Create room" }).click();
    await page.getByRole("heading", { name: `# wrap-${tag}` }).waitFor();
    const m = await ghostAfter(page, `wrap-${tag}`, "we ship the");
    // The typed text fits on the first line (it ends about 34 px below the box's top); the suggestion wraps below it.
    expect(Math.max(...m.ghost.map((r) => r.bottom)) - m.area.top).toBeGreaterThan(50);
    expectAligned(m);
    expect(errors).toEqual([]);
    await context.close();
  });
});
