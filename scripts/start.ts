/**
 * `npm start`: builds the web UI if needed, then runs the worker in this same process, so the
 * SIGTERM npm forwards reaches the worker's drain handler (no shell or second node in between),
 * and says on stderr, once it listens, which URL to open.
 */
import { ensureWebBuild } from "./ensure-web-build.ts";

try {
  await ensureWebBuild();
} catch (error) {
  console.error(`parley: ${(error as Error).message}`);
  process.exit(1);
}
const { worker } = await import("../worker/src/entry/node.ts");
// For people: the JSON log on stdout is for machines. A wildcard bind is opened through loopback.
const shown = new URL(worker.url);
if (shown.hostname === "0.0.0.0" || shown.hostname === "[::]") shown.hostname = "127.0.0.1";
console.error(`Parley is running at ${shown.origin}`);
