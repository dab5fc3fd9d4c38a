import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { freePort, startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** `npm run try` (scripts/try.mjs) against a real worker process, and against no server at all. */

const ROOT = new URL("../../", import.meta.url).pathname;
const run = promisify(execFile);

/** Runs the script with `args`; resolves with its exit code and output whatever the code. */
async function tryScript(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["scripts/try.mjs", ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run try", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startWorkerProcess();
  });
  afterAll(() => worker?.stop());

  it("registers, creates a room, and round-trips a message over HTTP and one over the WebSocket", async () => {
    const result = await tryScript([worker.url]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Everything round-tripped");
    expect(result.stdout).toContain("curl -s -X POST");
    // The user and room it made really exist, with both messages stored in order.
    const [, username, password] = result.stdout.match(/registered (try_\w+) \(password (\S+),/)!;
    const [, roomId] = result.stdout.match(/created room (\S+);/)!;
    const api = new ApiClient(worker.url);
    const login = await api.request("POST", "/api/auth/login", { username, password });
    expect(login.status).toBe(200);
    api.token = login.json.token;
    const { messages } = await api.history(roomId!);
    expect(messages.map((m) => [m.seq, m.body])).toEqual([
      [1, "hello over HTTP"],
      [2, "hello over WebSocket"],
    ]);
  });

  it("works twice in a row against the same server, taking the URL from PARLEY_URL", async () => {
    const first = await tryScript([], { PARLEY_URL: worker.url });
    const second = await tryScript([], { PARLEY_URL: worker.url });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.stdout.match(/registered (try_\w+)/)![1]).not.toBe(second.stdout.match(/registered (try_\w+)/)![1]);
  });

  it("says the server is unreachable and exits 1 when nothing listens", async () => {
    const result = await tryScript([`http://127.0.0.1:${await freePort()}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Is Parley running\?/);
  });

  it("names the error and exits 1 when the server answers one", async () => {
    const server: Server = createServer((_, res) =>
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"code":"unavailable","message":"database down"}}'),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const result = await tryScript([`http://127.0.0.1:${port}`]);
    server.close();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("POST /api/auth/register answered 503: unavailable: database down");
  });
});
