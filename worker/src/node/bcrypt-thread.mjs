// A worker thread that runs bcrypt off the event loop. Plain JavaScript: threads do not inherit tsx.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

// Hashing yields to the event loop when they compete for a core: a burst of logins then waits a
// little longer instead of delaying every chat message. On Linux a thread has its own nice value,
// found through /proc/thread-self; elsewhere the thread keeps the process's priority.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10);
} catch {
  // no /proc/thread-self (not Linux): keep the process's priority
}

parentPort.on("message", ({ id, op, password, hash, cost }) => {
  try {
    const result = op === "hash" ? bcrypt.hashSync(password, cost) : bcrypt.compareSync(password, hash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
