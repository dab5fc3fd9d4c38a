import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Debian's Chromium; the tests drive it with playwright-core and never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(ROOT, "test-results/screenshots");

/** Builds web/dist from the current sources, as `npm run build` does. */
export async function buildWebUi() {
  await build({ configFile: join(ROOT, "web/vite.config.ts"), logLevel: "warn" });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
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

export const chromiumMissing = !existsSync(CHROMIUM);
