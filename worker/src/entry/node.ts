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

/** The running worker, for `scripts/start.ts` (which imports this module to run it in-process). */
export const worker = await startNodeWorker(config).catch((error: Error) => {
  console.error(`parley: cannot start: ${error.message}`);
  process.exit(1);
});

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
