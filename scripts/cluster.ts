/**
 * `npm run cluster -- --workers N`: N workers on this machine's PostgreSQL and Redis behind the
 * balancer. Workers listen on CLUSTER_BASE_PORT (8001) and up, the balancer on LB_PORT (8080).
 * Ctrl-C or SIGTERM drains every process and exits 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureDatabase } from "@parley/db/node";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

interface Child {
  name: string;
  proc: ChildProcess;
  /** The last lines it printed, shown again when it dies during startup. */
  tail: string[];
  /** Resolves once it has exited and its output is flushed. */
  closed: Promise<void>;
}

const log = (line: string) => console.log(`[cluster] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: Child[] = [];
let phase: "starting" | "running" | "stopping" = "starting";
let failStartup: (error: Error) => void = () => {};
const startupFailed = new Promise<never>((_, reject) => (failStartup = reject));
startupFailed.catch(() => {});

/** Creates the database `url` names unless it exists, with a hint for people when it cannot. */
async function ensureClusterDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  try {
    if (await ensureDatabase(url)) log(`created database ${name}`);
  } catch (error) {
    throw new Error(
      `cannot check or create database "${name}" on ${new URL(url).host}: ${(error as Error).message}. Start PostgreSQL, create the database yourself, or set DATABASE_URL.`,
      { cause: error },
    );
  }
}

/**
 * Runs `entry` as one Node process (`node --import tsx`, so signals reach it directly rather than
 * through the tsx CLI's parent process) with each output line prefixed by `[name]`.
 */
function start(name: string, entry: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const child: Child = { name, proc, tail: [], closed: new Promise((resolve) => proc.once("close", () => resolve())) };
  for (const [stream, out] of [
    [proc.stdout!, process.stdout],
    [proc.stderr!, process.stderr],
  ] as const) {
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
      child.tail.push(line);
      if (child.tail.length > 20) child.tail.shift();
      out.write(`[${name}] ${line}\n`);
    });
  }
  proc.once("error", (error) => failStartup(new Error(`${name} could not start: ${error.message}`)));
  proc.once("close", (code, signal) => {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (phase === "starting")
      failStartup(new Error(`${name} exited with ${how} during startup. Its last output:\n${child.tail.map((l) => `  ${l}`).join("\n")}`));
    else if (phase === "running") log(`${name} exited with ${how}; the others keep running`);
  });
  children.push(child);
  return child;
}

/** Polls `url` until it answers 2xx, a child dies, or the startup timeout passes. */
async function waitUntilOk(url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  const poll = async () => {
    while (Date.now() < deadline) {
      if (
        await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(250);
    }
    throw new Error(`${url} did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s`);
  };
  await Promise.race([poll(), startupFailed]);
}

const running = (c: Child) => c.proc.exitCode === null && c.proc.signalCode === null;

/** SIGTERMs every child, SIGKILLs those still running after the timeout, and exits with `code`. */
async function stopAll(code: number): Promise<never> {
  phase = "stopping";
  for (const c of children.filter(running)) c.proc.kill("SIGTERM");
  const all = Promise.all(children.map((c) => c.closed));
  if ((await Promise.race([all.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])) === false) {
    for (const c of children.filter(running)) {
      log(`${c.name} still running after ${STOP_TIMEOUT_MS / 1000} s: SIGKILL`);
      c.proc.kill("SIGKILL");
    }
    await all;
  }
  if (children.length > 0) log("all processes stopped");
  process.exit(code);
}

let signalled = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (signalled) {
      for (const c of children.filter(running)) c.proc.kill("SIGKILL");
      return;
    }
    signalled = true;
    log(`${signal}: stopping (again to kill at once)`);
    void stopAll(0);
  });
}

const { values } = parseArgs({ options: { workers: { type: "string", short: "w", default: "3" } } });
const count = Number(values.workers);
const basePort = Number(process.env.CLUSTER_BASE_PORT ?? 8001);
const lbPort = Number(process.env.LB_PORT ?? 8080);
if (!Number.isInteger(count) || count < 1 || count > 32) {
  console.error(`--workers must be a whole number from 1 to 32, not "${values.workers}"`);
  process.exit(1);
}
if (![basePort, lbPort].every((p) => Number.isInteger(p) && p > 0 && p < 65536 - count)) {
  console.error("CLUSTER_BASE_PORT and LB_PORT must be port numbers");
  process.exit(1);
}
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/parley";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
// A Redis Cluster, when named, serves the workers and the balancer alike (it wins over REDIS_URL in both).
const redisClusterNodes = process.env.REDIS_CLUSTER_NODES;
let jwtSecret = process.env.JWT_SECRET;
if (!jwtSecret) {
  jwtSecret = randomBytes(48).toString("base64url");
  log("JWT_SECRET is not set: using an ephemeral key for this run (tokens stop working when the cluster stops)");
}

try {
  await ensureClusterDatabase(databaseUrl);
  const workers = Array.from({ length: count }, (_, i) => basePort + i).map((port) => `http://127.0.0.1:${port}`);
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: jwtSecret,
    ...(redisClusterNodes ? { REDIS_CLUSTER_NODES: redisClusterNodes } : {}),
  };
  // Every worker inherits one DATA_DIR (./data unless set) or the S3_* variables, so an uploaded file is read through any of them.
  for (const url of workers) {
    const port = new URL(url).port;
    start(`worker-${port}`, "worker/src/entry/node.ts", {
      ...shared,
      PORT: port,
      HOST: "127.0.0.1",
      WORKER_ID: `worker-${port}`,
      TRUSTED_PROXIES: "127.0.0.1",
    });
  }
  await Promise.all(workers.map((url) => waitUntilOk(`${url}/readyz`)));
  const lb = `http://127.0.0.1:${lbPort}`;
  start("lb", "lb/src/entry/node.ts", { ...shared, LB_PORT: String(lbPort), LB_HOST: "127.0.0.1", LB_WORKERS: workers.join(",") });
  await waitUntilOk(`${lb}/healthz`);
  if (!signalled) {
    phase = "running";
    log(`ready: balancer ${lb} (status: GET ${lb}/lb/status)`);
    for (const url of workers) log(`  worker ${url}`);
    log("Ctrl-C stops them all");
  }
} catch (error) {
  // A signal during startup is already stopping everything, and that is no failure.
  if (!signalled) {
    console.error(`[cluster] ${(error as Error).message}`);
    await stopAll(1);
  }
}
