/**
 * `npm run dev`: Vite on port 3000 with hot reload, proxying /api and /ws to a worker this script
 * starts on port 3001 (restarted by `tsx watch` when server code changes). Ctrl-C stops both.
 */
import { spawn } from "node:child_process";
import { createServer } from "vite";

const ROOT = new URL("..", import.meta.url).pathname;
const workerPort = process.env.PARLEY_DEV_WORKER_PORT ?? "3001";
process.env.PARLEY_DEV_WORKER = `http://127.0.0.1:${workerPort}`;

const worker = spawn(process.execPath, ["--import", "tsx", "--watch", "worker/src/entry/node.ts"], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, PORT: workerPort, HOST: "127.0.0.1" },
});
const vite = await createServer({ configFile: `${ROOT}web/vite.config.ts` });
await vite.listen();
vite.printUrls();
console.log(`worker on http://127.0.0.1:${workerPort} (proxied at /api and /ws)`);

const stop = async () => {
  worker.kill("SIGTERM");
  await vite.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
worker.on("exit", (code) => {
  if (code !== null && code !== 0) console.error(`worker exited with ${code}`);
});
