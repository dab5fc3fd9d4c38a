/**
 * `npm start`: builds the web UI if needed, then runs the worker in this same process, so the
 * SIGTERM npm forwards reaches the worker's drain handler (no shell or second node in between).
 */
import { ensureWebBuild } from "./ensure-web-build.ts";

try {
  await ensureWebBuild();
} catch (error) {
  console.error(`parley: ${(error as Error).message}`);
  process.exit(1);
}
await import("../worker/src/entry/node.ts");
