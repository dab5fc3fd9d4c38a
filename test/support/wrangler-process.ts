import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureWebBuild } from "./web-build.ts";
import { freePort } from "./worker-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Whether `wrangler` is installed (a root devDependency): its tests run whenever it is. */
export const wranglerInstalled = () => existsSync(WRANGLER);

export interface WranglerDev {
  url: string;
  output(): string;
  /** Stops `wrangler dev` and workerd, and removes its local state. */
  stop(): Promise<void>;
}

/** Hyperdrive's local mode insists on a password in the URL; trust auth ignores it. */
function withPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.password) url.password = "local";
  return url.toString();
}

/**
 * Starts `wrangler dev` on a free loopback port, exactly as `npm run dev:workers` does but with metrics
 * off, the Hyperdrive binding pointed at `databaseUrl` (migrated beforehand) and `vars` as `--var`s,
 * and waits until it answers /readyz (which reaches PostgreSQL through a gateway Durable Object).
 * Builds the web UI first when it is missing or stale: wrangler will not start without its assets directory.
 */
export async function startWranglerDev(databaseUrl: string, vars: Record<string, string>, options: { cpus?: string } = {}): Promise<WranglerDev> {
  await ensureWebBuild();
  const port = await freePort();
  // Its own inspector port too: two wrangler dev at once (test files run in parallel) would both take 9229.
  const inspectorPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), "parley-wrangler-"));
  const args = [
    WRANGLER,
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  // `cpus` pins wrangler and the workerd it spawns (benchmarks); taskset execs node, so the pid is node's.
  const [command, commandArgs] = options.cpus ? ["taskset", ["-c", options.cpus, process.execPath, ...args]] : [process.execPath, args];
  // Its own process group, so stop() ends wrangler and the workerd it spawned together.
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // No fetch of the `Request.cf` sample from workers.cloudflare.com (the machine is offline; Parley reads no `cf`).
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: withPassword(databaseUrl),
      WRANGLER_LOG_PATH: join(state, "logs"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(state, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, output: () => output, stop };
}
