/**
 * nginx as the balancer to beat: one worker process pinned like ours, in the foreground with a
 * generated config in a temporary directory, routing with `hash … consistent` to keep-alive
 * upstreams and proxying WebSocket upgrades.
 *
 * nginx cannot verify a JWT, so it hashes the credential as sent (the Authorization header for
 * HTTP, the `bearer.<token>` subprotocol for WebSockets) where ours hashes the verified user id:
 * the same user with two tokens may land on two workers. It also does no rate limiting here (ours
 * takes a Redis token bucket per request), so its figures are a floor for the proxying alone.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/support/worker-process.ts";

export interface NginxProcess {
  url: string;
  /** The master's and its worker's process ids (for CPU accounting). */
  pids(): number[];
  stop(): Promise<void>;
}

/** True when an `nginx` binary is on the PATH. */
export const haveNginx = () => spawnSync("nginx", ["-v"], { stdio: "ignore" }).status === 0;

function config(dir: string, port: number, upstreams: string[]): string {
  const servers = upstreams.map((u) => `    server ${new URL(u).host} max_fails=0;`).join("\n");
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }
  upstream parley {
    hash $http_authorization$http_sec_websocket_protocol consistent;
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://parley;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/** Starts nginx in front of `upstreams` on `cpus`; waits until it proxies /healthz. */
export async function startNginx(upstreams: string[], cpus: string): Promise<NginxProcess> {
  const dir = mkdtempSync(join(tmpdir(), "parley-nginx-"));
  // Run as root, nginx's worker drops to `nobody`, which must reach the temp paths inside.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), config(dir, port, upstreams));
  const child = spawn("taskset", ["-c", cpus, "nginx", "-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // SIGTERM: nginx's fast shutdown; the master waits for its worker.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, pids: () => [child.pid!, ...childrenOf(child.pid!)], stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      let log = "";
      try {
        log = readFileSync(join(dir, "error.log"), "utf8");
      } catch {
        // nginx wrote no log
      }
      await stop();
      throw new Error(`nginx did not start: ${output}${log}`.slice(0, 4000));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
