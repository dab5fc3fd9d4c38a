import { afterAll, beforeAll } from "vitest";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { conformanceSuite } from "./suite/index.ts";
import { CONFORMANCE_ADMIN } from "./suite/access-support.ts";
import { CONFORMANCE_UPLOAD_ENV } from "./suite/uploads.ts";

/** The default deployment: one worker with its embedded database (PGlite in a temporary DATA_DIR), in-process bus and files on local disk. */
let worker: WorkerProcess;
beforeAll(async () => {
  worker = await startWorkerProcess({
    REGISTER_RATE: "10000/60s",
    MESSAGE_RATE: "100000/60s",
    ADMIN_USERNAMES: CONFORMANCE_ADMIN,
    LOG_LEVEL: "warn",
    ...CONFORMANCE_UPLOAD_ENV,
  });
});
afterAll(() => worker?.stop());

conformanceSuite("embedded worker", () => ({ urls: [worker.url] }));
