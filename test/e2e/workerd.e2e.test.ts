import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CONTENT_SECURITY_POLICY } from "../../worker/src/http/web-ui-policy.ts";
import { createMigratedDatabase, testSecret } from "../support/services.ts";
import { startWranglerDev, wranglerInstalled, type WranglerDev } from "../support/wrangler-process.ts";
import { chromiumMissing, CHROMIUM, createAndJoinRoom, launchChromium, person, register, screenshot } from "./browser.ts";

if (chromiumMissing) console.warn(`e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/**
 * The whole Parley on Cloudflare Workers' runtime: `wrangler dev` serves the built UI from static
 * assets and the API, the socket and presence from its gateway and room Durable Objects. Two people
 * in two browser profiles chat through it.
 */
describe.skipIf(chromiumMissing || !wranglerInstalled())("web UI end to end under wrangler dev (headless Chromium)", () => {
  let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
  let workers: WranglerDev;
  let browser: Browser;
  let alice: Awaited<ReturnType<typeof person>>;
  let bob: Awaited<ReturnType<typeof person>>;
  const tag = Math.random().toString(36).slice(2, 7);
  const names = { alice: `alice_${tag}`, bob: `bob_${tag}`, room: `edge-${tag}` };

  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${names.room}` });
  const timeline = (page: Page) => page.getByRole("log");
  const send = async (page: Page, text: string) => {
    await composer(page).fill(text);
    await composer(page).press("Enter");
  };

  beforeAll(async () => {
    database = await createMigratedDatabase();
    // startWranglerDev builds web/dist first when it is missing or stale.
    workers = await startWranglerDev(database.url, { JWT_SECRET: testSecret(), LOG_LEVEL: "warn", SUGGEST_ENGINE: "builtin" });
    browser = await launchChromium();
    alice = await person(browser, workers.url);
    bob = await person(browser, workers.url, { dark: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await database?.drop();
  });

  it("serves the sign-in page with the Node server's CSP, and index.html for any other path", async () => {
    const page = await alice.page.goto("/");
    expect(page!.status()).toBe(200);
    expect(await page!.headerValue("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    await alice.page.getByRole("heading", { name: "Welcome back" }).waitFor();
    await screenshot(alice.page, "workerd-01-sign-in");

    const deep = await bob.page.goto("/rooms/not-a-room");
    expect(deep!.status()).toBe(200);
    expect(await deep!.headerValue("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    await bob.page.getByRole("heading", { name: "Welcome back" }).waitFor();
  });

  it("registers two people, who create and join a room and see each other", async () => {
    await register(alice.page, names.alice);
    await register(bob.page, names.bob);

    // Presence crosses a gateway and a room object (or two): about 0.5 s here, more on a busy machine.
    await createAndJoinRoom(
      { page: alice.page, name: names.alice },
      { page: bob.page, name: names.bob },
      { name: names.room, topic: "Running on the edge", tag },
      10_000,
    );
  });

  it("exchanges messages both ways over the gateways' WebSockets", async () => {
    await send(alice.page, "hello from the edge");
    await timeline(bob.page).getByText("hello from the edge", { exact: true }).waitFor();
    await send(bob.page, "hi alice, workerd here");
    await timeline(alice.page).getByText("hi alice, workerd here", { exact: true }).waitFor();
    for (const { page } of [alice, bob]) {
      expect(await page.locator(".timeline .message .message-body").allInnerTexts()).toEqual(["hello from the edge", "hi alice, workerd here"]);
    }
    await screenshot(alice.page, "workerd-02-chat");
    await screenshot(bob.page, "workerd-03-chat-dark");
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });
});
