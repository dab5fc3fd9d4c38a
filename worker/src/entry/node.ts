import { parseConfig } from "../config.ts";
import { guardDriverBugs } from "../node/driver-guard.ts";
import { startNodeWorker } from "../node/server.ts";

guardDriverBugs((message) => console.error(JSON.stringify({ level: 40, time: Date.now(), msg: message })));

/** `npm start`: one Parley worker configured from the environment. */
let config;
try {
  config = parseConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const worker = await startNodeWorker(config).catch((error: Error) => {
  console.error(`parley: cannot start: ${error.message}`);
  process.exit(1);
});
// For people: the JSON log on stdout is for machines. A wildcard bind is opened through loopback.
const shown = new URL(worker.url);
if (shown.hostname === "0.0.0.0" || shown.hostname === "[::]") shown.hostname = "127.0.0.1";
console.error(`Parley is running at ${shown.origin}`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    // A repeated SIGTERM (supervisors resend it) must not cut the drain short; a second Ctrl-C does.
    if (stopping) {
      if (signal === "SIGINT") process.exit(130);
      return;
    }
    stopping = true;
    worker.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
