/**
 * Baseline servers as pinned processes, and what the benches read from any server process (ours
 * or a baseline): CPU time and resident memory from /proc, and a full garbage collection through
 * the V8 inspector (the process must run with `--inspect=127.0.0.1:<port>`, e.g. in NODE_OPTIONS).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import WebSocket from "ws";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `entry` (a path from the repository root) pinned to `cpus`; it must print `listening <port>`. */
export async function startBaseline(entry: string, cpus: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  // taskset execs node, so the child's pid is node's: /proc and signals reach the server itself.
  const child: ChildProcess = spawn("taskset", ["-c", cpus, process.execPath, "--import", "tsx", entry], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), 30_000);
    child.stderr!.on("data", (d) => (output += d));
    child.stdout!.on("data", (d) => {
      output += d;
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`${entry} exited with ${code}:\n${output}`))));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the benches run on

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident memory of a process (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Forces full garbage collections in a process started with `--inspect`; returns its JS heap in use after. */
export async function collectGarbage(inspectorPort: number, rounds = 2): Promise<number> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown> };
        if (reply.id === mine) {
          ws.off("message", onMessage);
          resolve(reply.result ?? {});
        }
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: mine, method }));
    });
  try {
    for (let i = 0; i < rounds; i++) await call("HeapProfiler.collectGarbage");
    return Number((await call("Runtime.getHeapUsage")).usedSize);
  } finally {
    ws.close();
  }
}
