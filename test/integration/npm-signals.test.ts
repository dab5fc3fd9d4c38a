import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, deleteRedisKeys, TEST_REDIS_URL, testRedisPrefix, testSecret } from "../support/services.ts";
import { freePort } from "../support/worker-process.ts";

/**
 * SIGTERM to the npm process of `npm start` and `npm run cluster` drains and stops every process
 * under it and exits 0. Each npm runs in its own process group, so "nothing is left" means the
 * group is empty, and a failing test can still kill the whole group.
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const READY_MS = 150_000;
const groups: number[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const pgid of groups.splice(0)) if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Npm {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** `npm <args>` in a new process group, with the output collected. */
function npm(args: string[], env: Record<string, string>): Npm {
  const child = spawn("npm", args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  groups.push(child.pid!);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(npmProcess: Npm, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + READY_MS;
  while (!pattern.test(npmProcess.output())) {
    if (npmProcess.child.exitCode !== null) throw new Error(`npm exited with ${npmProcess.child.exitCode}:\n${npmProcess.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${READY_MS / 1000} s:\n${npmProcess.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERMs npm alone (not its group) and resolves with its exit code once every process under it is gone. */
async function terminate(npmProcess: Npm): Promise<number | null> {
  const pgid = npmProcess.child.pid!;
  process.kill(pgid, "SIGTERM");
  const code = await npmProcess.exited;
  const deadline = Date.now() + 5000;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(groupAlive(pgid), `processes left in npm's group:\n${npmProcess.output()}`).toBe(false);
  return code;
}

const refused = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    () => false,
    () => true,
  );

/** A free port whose next `count - 1` ports are free too. */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base + count > 65535) continue;
    const probes = await Promise.all(Array.from({ length: count - 1 }, (_, i) => refused(base + 1 + i)));
    if (probes.every(Boolean)) return base;
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-npm-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("SIGTERM to npm", () => {
  it("npm start: prints the URL to open, then drains, stops and exits 0", { timeout: READY_MS + 30_000 }, async () => {
    const port = await freePort();
    const started = npm(["start"], { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: tempDir(), LOG_LEVEL: "info" });
    await waitFor(started, new RegExp(`Parley is running at http://127\\.0\\.0\\.1:${port}\\n`));
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await terminate(started)).toBe(0);
    expect(started.output()).toContain('"msg":"stopped"');
    expect(await refused(port)).toBe(true);
  });

  it("npm run cluster: serves npm run try through the balancer, then stops every worker and the balancer and exits 0", { timeout: 2 * READY_MS }, async () => {
    const database = await createTestDatabase();
    const prefix = testRedisPrefix();
    cleanups.push(
      () => database.drop(),
      () => deleteRedisKeys(prefix),
    );
    const base = await freeRange(2);
    const lbPort = await freePort();
    const env = {
      CLUSTER_BASE_PORT: String(base),
      LB_PORT: String(lbPort),
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: testSecret(),
      DATA_DIR: tempDir(),
    };
    const cluster = npm(["run", "cluster", "--", "--workers", "2"], env);
    await waitFor(cluster, /\[cluster\] ready: balancer/);
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/try.mjs", `http://127.0.0.1:${lbPort}`], { cwd: ROOT, timeout: 60_000 });
    expect(stdout).toContain("Everything round-tripped");
    expect(await terminate(cluster)).toBe(0);
    expect(cluster.output()).toContain("[cluster] all processes stopped");
    for (const port of [base, base + 1, lbPort]) expect(await refused(port), `port ${port}`).toBe(true);
  });
});
