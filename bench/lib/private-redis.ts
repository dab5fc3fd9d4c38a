/**
 * A redis-server of the bench's own on a free loopback port, and its counters. Commands, bytes and
 * CPU per delivered message are read from INFO deltas, which on the machine's shared Redis would
 * include whatever other tests run at the same time; a private server counts only the bench.
 */
import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "../../test/support/worker-process.ts";

/** INFO figures at one moment; `replyBytes` is the size of the INFO reply itself. */
export interface RedisCounters {
  cpuSeconds: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Calls per command (`cmdstat_<name>`), without the bench's own INFO. */
  calls: Record<string, number>;
  replyBytes: number;
}

/** What happened between two readings. */
export interface RedisDelta {
  cpuSeconds: number;
  commands: number;
  bytes: number;
  calls: Record<string, number>;
}

export interface PrivateRedis {
  url: string;
  read(): Promise<RedisCounters>;
  stop(): Promise<void>;
}

// `INFO all` as RESP: the next reading's request is counted as input between two readings.
const INFO_REQUEST_BYTES = "*2\r\n$4\r\nINFO\r\n$3\r\nall\r\n".length;

/** Starts redis-server without persistence on a free port and connects a client for INFO. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail("did not start in 10 s"), 10_000);
    const fail = (why: string) => (clearTimeout(timer), child.kill("SIGKILL"), reject(new Error(`redis-server on ${port} ${why}:\n${output}`)));
    const onData = (d: Buffer) => {
      output += d;
      if (!output.includes("Ready to accept connections")) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => fail(`exited with ${code}`));
  });
  child.stdout!.resume();
  const client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1 });
  return {
    url: `redis://127.0.0.1:${port}`,
    async read() {
      const info = await client.info("all");
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
      const calls = Object.fromEntries([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].filter((m) => m[1] !== "info").map((m) => [m[1]!, Number(m[2])]));
      return {
        cpuSeconds: field("used_cpu_sys") + field("used_cpu_user"),
        netInputBytes: field("total_net_input_bytes"),
        netOutputBytes: field("total_net_output_bytes"),
        calls,
        // A bulk string: `$<length>\r\n<body>\r\n`.
        replyBytes: Buffer.byteLength(info) + String(Buffer.byteLength(info)).length + 5,
      };
    },
    async stop() {
      client.disconnect();
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** `after − before`, less the bench's own INFO traffic (the first reply and the second request). */
export function redisDelta(before: RedisCounters, after: RedisCounters): RedisDelta {
  const calls = Object.fromEntries(
    Object.entries(after.calls)
      .map(([name, n]) => [name, n - (before.calls[name] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  return {
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    commands: Object.values(calls).reduce((a, b) => a + b, 0),
    bytes: after.netInputBytes - before.netInputBytes - INFO_REQUEST_BYTES + (after.netOutputBytes - before.netOutputBytes - before.replyBytes),
    calls,
  };
}
