/**
 * The floor for Parley's HTTP routes: bare `node:http` answering fixed JSON bodies with the same
 * headers a worker sends (content-type, x-request-id, x-served-by, content-length; Node adds Date
 * and keep-alive). No routing library, no auth, no database: what any Node server costs.
 *
 * `startHttpBaseline(routes, cpus)` runs it as its own process, pinned like the workers; the child
 * side of this file runs when it is the process' entry, with the routes in BASELINE_ROUTES.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/worker-process.ts";

const SELF = fileURLToPath(import.meta.url);

export interface HttpBaseline {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the bare server answering `routes` (path → JSON body text) and waits until it listens. */
export async function startHttpBaseline(routes: Record<string, string>, cpus: string): Promise<HttpBaseline> {
  const port = await freePort();
  const env = { ...process.env, BASELINE_PORT: String(port), BASELINE_ROUTES: JSON.stringify(routes) };
  const child = spawn("taskset", ["-c", cpus, process.execPath, "--import", "tsx", SELF], { env, stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, pid: child.pid!, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error("the node:http baseline did not start");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function serveRoutes(port: number, routes: Record<string, string>) {
  const bodies = new Map(Object.entries({ "/healthz": '{"ok":true}', ...routes }).map(([path, body]) => [path, Buffer.from(body)]));
  const notFound = Buffer.from('{"error":{"code":"not_found","message":"no such endpoint"}}');
  const server = createServer((req, res) => {
    const body = bodies.get(req.url ?? "/");
    res.writeHead(body ? 200 : 404, {
      "content-type": "application/json",
      "x-request-id": crypto.randomUUID(),
      "x-served-by": "node-http",
      "content-length": (body ?? notFound).length,
    });
    res.end(body ?? notFound);
  });
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}

if (process.argv[1] === SELF) serveRoutes(Number(process.env.BASELINE_PORT), JSON.parse(process.env.BASELINE_ROUTES ?? "{}") as Record<string, string>);
