/**
 * `npm run bench:ui`: the production bundle's size (gzip) and the time from page load to the
 * first message shown, for a signed-in user opening a room, in headless Chromium against a local
 * worker. Writes bench/results/ui.json.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildWebUi, launchChromium } from "../test/e2e/browser.ts";
import { ApiClient } from "../test/support/client.ts";
import { uniqueName } from "../test/support/services.ts";
import { startWorkerProcess } from "../test/support/worker-process.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const DIST = new URL("../web/dist/", import.meta.url).pathname;

await buildWebUi();
const files = [join(DIST, "index.html"), ...readdirSync(join(DIST, "assets")).map((f) => join(DIST, "assets", f))];
const bundle = files.map((f) => ({ file: f.slice(DIST.length), bytes: statSync(f).size, gzip: gzipSync(readFileSync(f), { level: 9 }).length }));
const totalGzip = bundle.reduce((sum, f) => sum + f.gzip, 0);

const worker = await startWorkerProcess({ REGISTER_RATE: "1000/60s", MESSAGE_RATE: "100000/60s" });
const browser = await launchChromium();
try {
  const api = new ApiClient(worker.url);
  const username = uniqueName("ui");
  const registered = await api.request("POST", "/api/auth/register", { username, password: "correct horse battery" });
  api.token = registered.json.token;
  const room = await api.createRoom(uniqueName("bench"));
  for (let i = 1; i <= 30; i++) await api.request("POST", `/api/rooms/${room.id}/messages`, { body: `message ${i}`, clientId: `ui-${i}` });
  const session = JSON.stringify(registered.json);

  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // A fresh profile each time: cold cache, session already in storage (a returning user).
    const context = await browser.newContext({ baseURL: worker.url });
    await context.addInitScript((value) => localStorage.setItem("parley.session", value), session);
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`/#/rooms/${room.id}`);
    await page.locator(".message").first().waitFor();
    samples.push(performance.now() - started);
    await context.close();
  }
  samples.sort((a, b) => a - b);
  const results = {
    date: new Date().toISOString(),
    bundle,
    totalGzipBytes: totalGzip,
    firstMessageMs: { runs: RUNS, p50: Math.round(samples[Math.floor(RUNS / 2)]!), max: Math.round(samples.at(-1)!) },
  };
  writeFileSync(new URL("./results/ui.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
  console.log(`bundle: ${bundle.map((f) => `${f.file} ${f.gzip} B gzip`).join(", ")}; total ${(totalGzip / 1024).toFixed(1)} KiB gzip`);
  console.log(
    `page load → first message shown (cold profile, signed in): p50 ${results.firstMessageMs.p50} ms, max ${results.firstMessageMs.max} ms over ${RUNS} runs`,
  );
} finally {
  await browser.close();
  await worker.stop();
}
