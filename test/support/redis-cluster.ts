import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A 3-master Redis Cluster on loopback that a test started; `nodes` is what REDIS_CLUSTER_NODES takes. */
export interface TestRedisCluster {
  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`. */
  nodes: string;
  ports: number[];
  /** The nodes' data directories live under it; removed by `stop()`. */
  dir: string;
  /** SHUTDOWN NOSAVE on node `i` (0–2): its slots are unserved until `startNode(i)`. */
  stopNode(i: number): Promise<void>;
  /** Starts node `i` again from its nodes.conf (same id and slots, empty data) and waits for `cluster_state:ok`. */
  startNode(i: number): Promise<void>;
  /** Shuts every node down and removes the data directory. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** `cluster-node-timeout`: how long a stopped node takes to be marked failed (Redis's default is 15 s). */
  nodeTimeoutMs?: number;
}

/** Whether `redis-server` and `redis-cli` are on PATH (the Cluster tests need both). */
export function hasRedisBinaries(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    execFileSync("redis-cli", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts three `redis-server --cluster-enabled yes` on free loopback ports, joins them with
 * `redis-cli --cluster create` (no replicas) and waits until every node says `cluster_state:ok`.
 * One per test file, from `beforeAll`; `stop()` in `afterAll`. The nodes are daemons, so an exit hook
 * shuts them down too when a test run dies before `afterAll`.
 */
export async function startRedisCluster({ nodeTimeoutMs = 2000 }: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  if (!hasRedisBinaries()) throw new Error("the Redis Cluster tests need redis-server and redis-cli on PATH (apt-get install redis-server)");
  const dir = mkdtempSync(join(tmpdir(), "parley-redis-cluster-"));
  const ports = await freeClusterPorts(3);
  const start = async (i: number) => {
    const nodeDir = join(dir, `node-${i}`);
    mkdirSync(nodeDir, { recursive: true });
    const port = String(ports[i]);
    await run("redis-server", [
      ...["--port", port, "--bind", "127.0.0.1", "--dir", nodeDir, "--daemonize", "yes", "--pidfile", join(nodeDir, "redis.pid")],
      ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(nodeTimeoutMs)],
      ...["--save", "", "--appendonly", "no", "--logfile", join(nodeDir, "redis.log")],
    ]);
    await until(async () => (await cli(ports[i]!, "PING").catch(() => "")) === "PONG", `node ${i} to answer PING`);
  };
  const shutdown = (i: number) => cli(ports[i]!, "SHUTDOWN", "NOSAVE").catch(() => {}); // the node closes the connection: no reply
  const stopAll = () => {
    for (const port of ports) {
      try {
        execFileSync("redis-cli", ["-p", String(port), "SHUTDOWN", "NOSAVE"], { stdio: "ignore" });
      } catch {
        // already down
      }
    }
  };
  process.once("exit", stopAll);

  try {
    await Promise.all(ports.map((_, i) => start(i)));
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-yes"]);
    await clusterOk(ports);
  } catch (error) {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(","),
    ports,
    dir,
    async stopNode(i) {
      await shutdown(i);
      await until(async () => (await cli(ports[i]!, "PING").catch(() => "down")) === "down", `node ${i} to stop`);
    },
    async startNode(i) {
      await start(i);
      await clusterOk(ports);
    },
    async stop() {
      process.off("exit", stopAll);
      await Promise.all(ports.map((_, i) => shutdown(i)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-p", String(port), ...args], { timeout: 5000 });
  if (/^(ERR|Could not connect)/.test(stdout)) throw new Error(stdout.trim());
  return stdout.trim();
}

/** Every node sees the whole cluster: state ok, all slots assigned, three nodes known. */
async function clusterOk(ports: number[]) {
  await until(async () => {
    const infos = await Promise.all(ports.map((p) => cli(p, "CLUSTER", "INFO").catch(() => "")));
    return infos.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && /cluster_known_nodes:3/.test(info));
  }, "cluster_state:ok on every node");
}

/** Ports whose cluster bus port (port + 10000) is free too. */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (!ports.includes(port) && (await isFree(port)) && (await isFree(port + 10000))) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function until(done: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
