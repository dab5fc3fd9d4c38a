/**
 * `npm run bench:ui`: the web UI in headless Chromium against a local worker (PostgreSQL), each
 * figure against the goal of issue 15:
 * - the production bundle's JavaScript, gzip;
 * - cold load (fresh profile, signed in) to the first message painted;
 * - scroll-back through a big room: how far the message on screen moves as each older page goes in;
 * - DOM elements in the timeline once the whole history is held;
 * - main-thread time per incoming message frame, keystroke time in the composer, room switch time.
 * Writes bench/results/ui.json and ui.md (quick-ui.* with BENCH_QUICK=1: fewer messages and runs).
 * It ends by itself: every wait has a timeout, and the whole run a budget.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { buildWebUi, launchChromium } from "../test/e2e/browser.ts";
import { createMigratedDatabase } from "../test/support/services.ts";
import { startWorkerProcess } from "../test/support/worker-process.ts";
import { renderTable } from "./lib/render.ts";
import { figure, sleep, spread, type Figure, type Section } from "./lib/report.ts";
import { PROBES } from "./lib/ui-probes.ts";
import { seedRooms, sendOne, type SeededRooms } from "./lib/ui-seed.ts";

const QUICK = process.env.BENCH_QUICK === "1";
const SIZES = QUICK
  ? { messages: 1000, coldRuns: 3, incoming: 20, keys: 30, switches: 3, budgetMs: 4 * 60_000 }
  : { messages: 5000, coldRuns: Number(process.env.BENCH_RUNS ?? 10), incoming: 100, keys: 100, switches: 10, budgetMs: 15 * 60_000 };
const DIST = new URL("../web/dist/", import.meta.url).pathname;
const RESULTS = new URL("./results/", import.meta.url).pathname;
const VIEWPORT = { width: 1280, height: 800 };
/** The in-page steps on window.__bench (bench/lib/ui-probes.ts). */
type Probes = any;

/** The built bundle's files (not the precompressed copies): bytes and gzip -9 bytes. */
function bundleSizes() {
  const files = ["index.html", ...readdirSync(join(DIST, "assets")).map((name) => `assets/${name}`)].filter((file) => !/\.(br|gz)$/.test(file));
  // What a page load fetches: the scripts and module preloads index.html names. The other chunks
  // (the Markdown parser, the emoji picker) load on first use.
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  const atStart = new Set([...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+)"/g)].map((m) => m[1]!));
  return files.map((file) => {
    const bytes = readFileSync(join(DIST, file));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, atStart: file === "index.html" || atStart.has(file) };
  });
}

/** A fresh profile (cold cache) with the user's session in storage and the probes installed. */
async function signedInPage(browser: Browser, baseURL: string, session: unknown, errors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORT });
  await context.addInitScript((value) => localStorage.setItem("parley.session", value), JSON.stringify(session));
  await context.addInitScript(PROBES);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page };
}

/** Page load to the first message painted, ms since navigation start, in a new profile each run. */
async function coldLoads(browser: Browser, baseURL: string, rooms: SeededRooms, errors: string[]): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < SIZES.coldRuns; i++) {
    const { context, page } = await signedInPage(browser, baseURL, rooms.session, errors);
    await page.goto(`/#/rooms/${rooms.big.id}`);
    await page.waitForFunction(() => (window as any).__bench.firstMessageMs !== undefined, null, { timeout: 20_000 });
    samples.push(await page.evaluate(() => (window as any).__bench.firstMessageMs as number));
    await context.close();
  }
  return samples;
}

/**
 * Scrolls the timeline to the top until the first message is held. Each older-page request is
 * held back until the anchor (the first row inside the scroller) is read, then let through; the
 * anchor's move is read once the lower seqs are rendered. Only scrolling, never a button.
 */
async function scrollBack(context: BrowserContext, page: Page) {
  const held: Route[] = [];
  const olderPage = (url: URL) => /\/api\/rooms\/[^/]+\/messages$/.test(url.pathname) && url.searchParams.has("beforeSeq");
  await context.route(olderPage, (route) => void held.push(route));
  const shifts: number[] = [];
  let lost = 0;
  const maxPages = Math.ceil(SIZES.messages / 20) + 20;
  const started = performance.now();
  try {
    for (let pages = 0; pages < maxPages; pages++) {
      if ((await page.evaluate(() => (window as Probes).__bench.minSeq())) <= 1) break;
      for (let tries = 0; held.length === 0 && tries < 20; tries++) {
        await page.evaluate(() => (window as Probes).__bench.scrollTimeline("top"));
        await sleep(250);
      }
      if (held.length === 0) break; // no older page asked for: the start is reached (or the UI stopped paging)
      // Let the scroll render (a virtualised list draws the rows at the new position) before reading the anchor.
      await page.evaluate(async () => (await (window as Probes).__bench.nextFrame(), (window as Probes).__bench.nextFrame()));
      const anchor = await page.evaluate(() => (window as Probes).__bench.pickAnchor());
      if (!anchor) throw new Error("scroll-back: no message row inside the timeline");
      const shift = page.evaluate((a) => (window as Probes).__bench.anchorShift(a, 15_000), anchor);
      for (const route of held.splice(0)) await route.continue();
      const result = await shift;
      shifts.push(result.worst);
      if (result.lost) lost++;
    }
  } finally {
    await context.unroute(olderPage);
    for (const route of held.splice(0)) await route.continue().catch(() => {});
  }
  const minSeq = await page.evaluate(() => (window as Probes).__bench.minSeq());
  return { pages: shifts.length, shifts, lost, reachedStart: minSeq <= 1, seconds: (performance.now() - started) / 1000 };
}

/** Scrolls the timeline to its end and lets it settle (a virtualised list may need two passes). */
async function toBottom(page: Page) {
  for (let i = 0; i < 3; i++) {
    await page.evaluate(() => (window as Probes).__bench.scrollTimeline("bottom"));
    await page.evaluate(async () => (await (window as Probes).__bench.nextFrame(), (window as Probes).__bench.nextFrame()));
  }
}

/** Another person sends messages one at a time; per frame, the page's main-thread time handling it. */
async function incoming(page: Page, rooms: SeededRooms) {
  const sender = rooms.others[0]!;
  const frames: Array<{ handlerMs: number; busyMs: number; paintedMs: number }> = [];
  for (let i = 0; i < SIZES.incoming; i++) {
    const seq = await sendOne(sender, rooms.big.id, i);
    rooms.big.newestSeq = Math.max(rooms.big.newestSeq, seq);
    await page.waitForFunction((s) => (window as Probes).__bench.frames.some((f: any) => f.kind === "message" && f.seq === s && f.busyMs !== undefined), seq, {
      timeout: 15_000,
    });
    frames.push(await page.evaluate((s) => (window as Probes).__bench.frames.find((f: any) => f.kind === "message" && f.seq === s), seq));
    await sleep(50);
  }
  return frames;
}

/** Types `SIZES.keys` keys into a focused text box, one at a time; the main-thread time of each (see PROBES). */
async function typeKeys(page: Page) {
  await page.evaluate(() => ((window as Probes).__bench.keys.length = 0));
  const text = "the quick brown fox jumps over the lazy dog ".repeat(Math.ceil(SIZES.keys / 44)).slice(0, SIZES.keys);
  for (const key of text) {
    await page.keyboard.type(key);
    await sleep(30);
  }
  await page.waitForFunction((n) => (window as Probes).__bench.keys.length >= n, SIZES.keys, { timeout: 10_000 });
  return page.evaluate(() => [...(window as Probes).__bench.keys] as number[]);
}

/** Types into the big room's composer. */
async function keystrokes(page: Page, rooms: SeededRooms) {
  const composer = page.getByRole("textbox", { name: `Message #${rooms.big.name}` });
  await composer.click();
  const samples = await typeKeys(page);
  await page.keyboard.press("Escape");
  await composer.fill("");
  return samples;
}

/** The baseline: the same keys, measured the same way, in a bare <textarea> on an empty page (the browser's own cost). */
async function bareKeystrokes(browser: Browser) {
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    await page.setContent("<!doctype html><textarea aria-label=baseline></textarea>");
    await page.evaluate(PROBES);
    await page.locator("textarea").click();
    return await typeKeys(page);
  } finally {
    await page.close();
  }
}

/** From the small room to the big one and back, by their sidebar links: ms to the newest message painted. */
async function roomSwitches(page: Page, rooms: SeededRooms) {
  const to = (room: SeededRooms["big"]) =>
    page.evaluate(([name, seq]) => (window as Probes).__bench.switchTo(name, seq, 30_000) as Promise<number>, [room.name, room.newestSeq] as const);
  await to(rooms.small);
  const toBig: number[] = [];
  const toSmall: number[] = [];
  for (let i = 0; i < SIZES.switches; i++) {
    await sleep(300);
    toBig.push(await to(rooms.big));
    await sleep(300);
    toSmall.push(await to(rooms.small));
  }
  return { toBig, toSmall };
}

const ms = (id: string, label: string, value: number, goal?: number, note?: string): Figure =>
  figure({
    id,
    label,
    unit: "ms",
    better: "lower",
    ours: value,
    baseline: null,
    note,
    ...(goal === undefined ? {} : { goal: { value: { op: "<", value: goal }, text: `< ${goal} ms` } }),
  });

async function measure(browser: Browser, baseURL: string, rooms: SeededRooms, errors: string[]) {
  const cold = await coldLoads(browser, baseURL, rooms, errors);
  const { context, page } = await signedInPage(browser, baseURL, rooms.session, errors);
  try {
    await page.goto(`/#/rooms/${rooms.big.id}`);
    await page.waitForFunction(() => (window as any).__bench.firstMessageMs !== undefined, null, { timeout: 20_000 });
    await sleep(500);
    const scroll = await scrollBack(context, page);
    const elements = await page.evaluate(() => (window as Probes).__bench.elementsInTimeline() as number);
    await toBottom(page);
    await sleep(300);
    const frames = await incoming(page, rooms);
    const keys = await keystrokes(page, rooms);
    const bareKeys = await bareKeystrokes(browser);
    const switches = await roomSwitches(page, rooms);
    return { cold, scroll, elements, frames, keys, bareKeys, switches };
  } finally {
    await context.close();
  }
}

function report(bundle: ReturnType<typeof bundleSizes>, rooms: SeededRooms, m: Awaited<ReturnType<typeof measure>>, errors: string[]): Section {
  const js = bundle.filter((f) => f.file.endsWith(".js"));
  const jsGzip = js.filter((f) => f.atStart).reduce((sum, f) => sum + f.gzip, 0);
  const lazyGzip = js.filter((f) => !f.atStart).reduce((sum, f) => sum + f.gzip, 0);
  const cold = spread(m.cold);
  const busy = spread(m.frames.map((f) => f.busyMs));
  const keys = spread(m.keys);
  const bareKeys = spread(m.bareKeys);
  const toBig = spread(m.switches.toBig);
  const toSmall = spread(m.switches.toSmall);
  const shift = Math.max(0, ...m.scroll.shifts);
  const scrollNote = `${m.scroll.pages} pages in ${m.scroll.seconds.toFixed(1)} s${m.scroll.reachedStart ? ", back to the first message" : ", the first message was NOT reached"}${m.scroll.lost ? `; the anchor left the DOM ${m.scroll.lost} times` : ""}`;
  const figures = [
    figure({
      id: "ui.bundle.js",
      label: "JavaScript loaded with the page, gzip -9",
      unit: "KB",
      better: "lower",
      ours: jsGzip / 1000,
      baseline: null,
      goal: { value: { op: "<", value: 40 }, text: "< 40 KB" },
    }),
    figure({
      id: "ui.bundle.lazy",
      label: "JavaScript loaded on first use (Markdown, emoji picker), gzip -9",
      unit: "KB",
      better: "lower",
      ours: lazyGzip / 1000,
      baseline: null,
    }),
    ms("ui.cold.p50", "cold load to first message painted, p50", cold.p50, 400, `${cold.n} runs, max ${cold.max} ms`),
    figure({
      id: "ui.scroll.shift",
      label: "scroll-back: anchored message moved, worst page",
      unit: "px",
      better: "lower",
      ours: shift,
      baseline: null,
      goal: { value: { op: "<", value: 2 }, text: "< 2 px" },
      note: scrollNote,
    }),
    figure({
      id: "ui.scroll.pages",
      label: "scroll-back: older pages loaded by scrolling",
      unit: "pages",
      better: "higher",
      ours: m.scroll.pages,
      baseline: null,
    }),
    figure({
      id: "ui.dom.elements",
      label: "DOM elements in the timeline, whole history held",
      unit: "elements",
      better: "lower",
      ours: m.elements,
      baseline: null,
      goal: { value: { op: "<", value: 1500 }, text: "< 1,500" },
    }),
    ms("ui.incoming.p50", "incoming message: main-thread time, p50", busy.p50),
    ms(
      "ui.incoming.p95",
      "incoming message: main-thread time, p95",
      busy.p95,
      16,
      `${busy.n} messages; handler alone p95 ${spread(m.frames.map((f) => f.handlerMs)).p95} ms, to painted (with the vsync wait) p95 ${spread(m.frames.map((f) => f.paintedMs)).p95} ms`,
    ),
    ms("ui.switch.big.p50", "switch to the big room, p50", toBig.p50),
    ms("ui.switch.big.p95", "switch to the big room, p95", toBig.p95, 150, `${toBig.n} switches, max ${toBig.max} ms`),
    ms("ui.switch.small.p95", "switch to the small room, p95", toSmall.p95, 150, `${toSmall.n} switches, p50 ${toSmall.p50} ms`),
    ms("ui.key.p50", "keystroke in the composer, p50", keys.p50),
    {
      ...ms(
        "ui.key.p95",
        "keystroke in the composer, p95",
        keys.p95,
        4,
        `${keys.n} keys, AI suggestions on (the default); baseline: a bare <textarea> on an empty page, p50 ${bareKeys.p50} ms`,
      ),
      baseline: bareKeys.p95,
    },
  ];
  return {
    id: "ui",
    title: "Web UI",
    method: `Headless Chromium ${VIEWPORT.width}×${VIEWPORT.height} against one local worker on PostgreSQL; the big room holds ${SIZES.messages} messages from 3 people (seeded in ${rooms.seedSeconds.toFixed(1)} s), the small one 20.`,
    figures,
    details: {
      bundle,
      cold,
      busy,
      keys,
      bareKeys,
      toBig,
      toSmall,
      scroll: { ...m.scroll, shifts: m.scroll.shifts.map((s) => Math.round(s * 100) / 100) },
      pageErrors: errors.slice(0, 20),
    },
  };
}

/** ui.md: the figures with their goals, then how each was taken. */
function markdown(section: Section, date: string): string {
  const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 100) / 100)) : "–");
  return [
    `# Web UI benchmark (${date.slice(0, 16).replace("T", " ")} UTC${QUICK ? ", quick mode" : ""})`,
    "",
    `${section.method} \`npm run bench:ui\` wrote this; docs/benchmarks.md ("Web UI") says how each figure is taken.`,
    "",
    "| figure | value | goal | met |",
    "| --- | --- | --- | --- |",
    ...section.figures.map(
      (f) => `| ${f.label} | ${fmt(f.ours)} ${f.unit} | ${f.goal?.text ?? ""} | ${f.pass === undefined ? "" : f.pass ? "yes" : "**no**"} |`,
    ),
    "",
    ...section.figures.filter((f) => f.note).map((f) => `- ${f.label}: ${f.note}`),
    "",
  ].join("\n");
}

async function run() {
  await buildWebUi();
  const bundle = bundleSizes();
  const database = await createMigratedDatabase();
  const worker = await startWorkerProcess({ DATABASE_URL: database.url, REGISTER_RATE: "1000/60s", MESSAGE_RATE: "1000000/60s", ROOM_RATE: "1000/60s" });
  let browser: Browser | undefined;
  const deadline = setTimeout(() => {
    console.error(`bench:ui: over its ${SIZES.budgetMs / 60_000} min budget, stopping`);
    void Promise.allSettled([browser?.close(), worker.kill(), database.drop()]).then(() => process.exit(1));
  }, SIZES.budgetMs);
  try {
    const rooms = await seedRooms(worker.url, SIZES.messages);
    console.log(`seeded ${SIZES.messages} messages in ${rooms.seedSeconds.toFixed(1)} s`);
    browser = await launchChromium();
    const errors: string[] = [];
    const section = report(bundle, rooms, await measure(browser, worker.url, rooms, errors), errors);
    const date = new Date().toISOString();
    const base = QUICK ? "quick-ui" : "ui";
    const results = { date, quick: QUICK, machine: { cpus: cpus().length, node: process.version, chromium: browser.version() }, sizes: SIZES, ...section };
    writeFileSync(join(RESULTS, `${base}.json`), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(RESULTS, `${base}.md`), markdown(section, date));
    console.log(renderTable([section]));
    for (const f of section.figures.filter((x) => x.note)) console.log(`- ${f.label}: ${f.note}`);
    if (errors.length) console.log(`page errors: ${errors.slice(0, 5).join(" | ")}`);
    console.log(`wrote bench/results/${base}.json and ${base}.md`);
  } finally {
    clearTimeout(deadline);
    await browser?.close();
    await worker.stop();
    await database.drop();
  }
}

// Exit explicitly: a keep-alive socket or a stuck page must not keep the process up after the report.
await run().then(
  () => process.exit(0),
  (error) => (console.error(error), process.exit(1)),
);
