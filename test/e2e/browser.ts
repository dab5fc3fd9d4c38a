import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { ApiClient } from "../support/client.ts";
import { ensureWebBuild } from "../support/web-build.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Debian's Chromium; the tests drive it with playwright-core and never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(ROOT, "test-results/screenshots");

/**
 * Makes web/dist current with the sources: builds it when it is missing or older than them, one
 * test process at a time. Browser suites run in parallel, and one rebuilding web/dist (which empties
 * it) under another's served pages broke that one's page loads.
 */
export const buildWebUi = ensureWebBuild;

/** `scrollbars`: draw the 15 px classic scrollbars of a desktop browser (headless Chromium hides them by default). */
export function launchChromium(options: { scrollbars?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: options.scrollbars ? ["--hide-scrollbars"] : undefined,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A browser profile of its own (one person) with the page's errors collected. */
export async function person(browser: Browser, baseURL: string, options: { width?: number; height?: number; dark?: boolean } = {}) {
  const context: BrowserContext = await browser.newContext({
    baseURL,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.dark ? "dark" : "light",
  });
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => (errors.push(`dialog: ${d.message()}`), void d.dismiss()));
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Registers through the sign-in screen and waits for the signed-in layout. */
export async function register(page: Page, username: string, password = "correct horse battery") {
  await page.goto("/");
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("navigation", { name: "Rooms" }).waitFor();
}

/**
 * The first person creates a room (its name holds `tag`), the second finds it by `tag` and joins, and
 * both wait until each sees the other online (`presenceTimeout`: presence may cross workers).
 */
export async function createAndJoinRoom(
  first: { page: Page; name: string },
  second: { page: Page; name: string },
  room: { name: string; topic: string; tag: string },
  presenceTimeout?: number,
) {
  await first.page.getByLabel("New room name").fill(room.name);
  await first.page.getByLabel("Topic (optional)").fill(room.topic);
  await first.page.getByRole("button", { name: "Create room" }).click();
  await first.page.getByRole("heading", { name: `# ${room.name}` }).waitFor();

  await second.page.getByLabel("Search rooms by name").fill(room.tag);
  await second.page.getByRole("button", { name: `Join ${room.name}` }).click();
  await second.page.getByRole("heading", { name: `# ${room.name}` }).waitFor();
  for (const { page } of [first, second]) {
    const online = page.locator(".presence li");
    await expect
      .poll(() => online.allInnerTexts(), { timeout: presenceTimeout })
      .toEqual(expect.arrayContaining([expect.stringContaining(first.name), expect.stringContaining(second.name)]));
  }
}

export const chromiumMissing = !existsSync(CHROMIUM);

/**
 * Registers `username` over HTTP with `api`, pointed at `baseUrl` (a worker started in beforeAll),
 * keeps its token there, and answers the session as the web UI stores it (for keepSignedIn).
 */
export async function signUp(api: ApiClient, baseUrl: string, username: string): Promise<string> {
  (api as { baseUrl: string }).baseUrl = baseUrl;
  const registered = await api.request("POST", "/api/auth/register", { username, password: "correct horse battery" });
  if (registered.status !== 201) throw new Error(`register ${username}: ${registered.status} ${registered.text}`);
  api.token = registered.json.token;
  return JSON.stringify(registered.json);
}

/** Pages of the context start signed in with `session`, as a returning user's (a session the app stored since is kept). */
export const keepSignedIn = (context: BrowserContext, session: string) =>
  context.addInitScript((value) => localStorage.getItem("parley.session") || localStorage.setItem("parley.session", value), session);

/** A few rooms made by someone else (`dana_<tag>`), so the directory looks like a used one. */
export async function seedDirectory(baseUrl: string, tag: string, rooms: [name: string, topic: string][]) {
  const dana = new ApiClient(baseUrl);
  await dana.register(`dana_${tag}`);
  for (const [name, topic] of rooms) await dana.createRoom(name, topic || undefined);
}
