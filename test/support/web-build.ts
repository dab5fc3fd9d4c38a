import { execFile } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const ROOT = new URL("../../", import.meta.url).pathname;
/** One lock per checkout, outside it: test files run in parallel processes and all start from a stale web/dist. */
const LOCK = join(tmpdir(), `parley-web-build-${Buffer.from(ROOT).toString("base64url").slice(-24)}.lock`);
/** A lock this old was left by a killed run (a build takes seconds). */
const STALE_MS = 120_000;

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // the lock went away meanwhile
    }
    return false;
  }
}

/**
 * Runs scripts/ensure-web-build.ts (builds web/dist when it is missing or older than its sources),
 * one test process at a time, so two never empty and write web/dist at once.
 */
export async function ensureWebBuild(): Promise<void> {
  while (!tryLock()) await new Promise((r) => setTimeout(r, 200));
  try {
    await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/ensure-web-build.ts"], { cwd: ROOT });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
