import { spawn } from "node:child_process";

/**
 * The flooding client, in a process of its own so its work does not delay the test's own
 * measurements: `loops` closed loops of POST /api/auth/login for random usernames, each at most
 * one request per `paceMs`, all with one `X-Forwarded-For` address, until `stop()` (or 90 s).
 */
const SCRIPT = `
const { URL: url, FROM: from, LOOPS: loops, PACE_MS: pace } = process.env;
const counts = {};
let stop = false;
const deadline = Date.now() + 90_000;
process.stdin.on("data", () => (stop = true));
const loop = async () => {
  // Spread over the pace, so the address sends steadily rather than in waves.
  await new Promise((r) => setTimeout(r, Math.random() * Number(pace)));
  while (!stop && Date.now() < deadline) {
    const started = Date.now();
    let status = 0;
    try {
      const res = await fetch(url + "/api/auth/login", { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": from }, body: JSON.stringify({ username: "rnd_" + crypto.randomUUID().slice(0, 12), password: "a guess of some kind" }), signal: AbortSignal.timeout(60_000) });
      await res.arrayBuffer();
      status = res.status;
    } catch {}
    counts[status] = (counts[status] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, Math.max(0, Number(pace) - (Date.now() - started))));
  }
};
await Promise.all(Array.from({ length: Number(loops) }, loop));
process.stdout.write(JSON.stringify(counts));
`;

export interface LoginFlood {
  /** Ends the loops and resolves with the answers the flood got, by status (0: no answer). */
  stop(): Promise<Record<string, number>>;
}

export function startLoginFlood(url: string, from: string, loops: number, paceMs: number): LoginFlood {
  const child = spawn(process.execPath, ["--input-type=module", "-e", SCRIPT], {
    env: { ...process.env, URL: url, FROM: from, LOOPS: String(loops), PACE_MS: String(paceMs) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    async stop() {
      child.stdin!.end("stop\n");
      await exited;
      return JSON.parse(out || "{}") as Record<string, number>;
    },
  };
}
