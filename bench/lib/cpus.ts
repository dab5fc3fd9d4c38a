import { availableParallelism } from "node:os";
import { spawnSync } from "node:child_process";

/**
 * Which CPUs servers and load generators get (`taskset -c`). With two or more cores and taskset
 * present, servers take the first half and clients the rest; otherwise both get every core and
 * the report says so. BENCH_SERVER_CPUS / BENCH_CLIENT_CPUS override.
 */
export function cpuSplit(): { serverCpus: string; clientCpus: string; pinned: boolean } {
  const n = availableParallelism();
  const haveTaskset = spawnSync("taskset", ["-V"]).status === 0;
  const all = `0-${n - 1}`;
  if (!haveTaskset || n < 2) return { serverCpus: process.env.BENCH_SERVER_CPUS ?? all, clientCpus: process.env.BENCH_CLIENT_CPUS ?? all, pinned: false };
  const half = Math.floor(n / 2);
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  return {
    serverCpus: process.env.BENCH_SERVER_CPUS ?? range(0, half - 1),
    clientCpus: process.env.BENCH_CLIENT_CPUS ?? range(half, n - 1),
    pinned: true,
  };
}

/** Pins the current process (the load generator) to `cpus`. */
export function pinSelf(cpus: string): void {
  spawnSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
}
