import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
/** `node --import tsx` runs TypeScript in one process (the tsx CLI adds a parent that would absorb SIGKILL). */
const NODE_ARGS = ["--import", "tsx"];

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface WorkerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** What the process printed, for diagnosing a failure. */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies without cleaning up. */
  kill(): Promise<void>;
}

/**
 * Starts `worker/src/entry/node.ts` as its own process, exactly as `npm start` does, and waits until
 * it answers /healthz. Without DATA_DIR it gets a temporary one, removed on stop. A bench may name
 * another entry that starts the same worker differently.
 */
export async function startWorkerProcess(env: Record<string, string> = {}, entry = "worker/src/entry/node.ts"): Promise<WorkerProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const tempDir = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), "parley-"));
  return startProcess(entry, port, { HOST: "127.0.0.1", DATA_DIR: tempDir ?? "", ...env, PORT: String(port) }, () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });
}

/** Starts the balancer (`lb/src/entry/node.ts`) in front of the given workers. */
export async function startBalancerProcess(workers: string[], env: Record<string, string> = {}): Promise<WorkerProcess> {
  const port = Number(env.LB_PORT ?? (await freePort()));
  return startProcess("lb/src/entry/node.ts", port, { LB_HOST: "127.0.0.1", LB_WORKERS: workers.join(","), ...env, LB_PORT: String(port) }, () => {});
}

async function startProcess(entry: string, port: number, env: Record<string, string>, cleanup: () => void): Promise<WorkerProcess> {
  // CPUS pins the process with taskset (benchmarks keep servers and load generators on separate cores);
  // taskset execs node, so the child's pid is node's and signals reach it directly.
  const { CPUS: cpus, ...childEnv } = env;
  const [command, args] = cpus ? ["taskset", ["-c", cpus, process.execPath, ...NODE_ARGS, entry]] : [process.execPath, [...NODE_ARGS, entry]];
  const child = spawn(command, args as string[], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "warn", ...childEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a loaded 2-core machine a first start (tsx, PGlite migrations) can take half a minute.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const code = await exited;
      cleanup();
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
      cleanup();
    },
  };
}
