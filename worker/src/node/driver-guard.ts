/**
 * postgres.js 3.4.9 can write to a connection's socket after it was closed when the database
 * drops connections under load, and throws `Cannot read properties of null (reading 'write')`
 * from a timer (porsager/postgres#1154 and #1208; the fixes, #1168 and #1209, are unreleased).
 * Thrown outside any promise, it would take every worker down during a database outage. The
 * connection it concerns is already gone and the pool opens a new one, so that one error is
 * logged and survived; anything else uncaught still ends the process, as Node would.
 */
export function isClosedSocketWriteBug(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? "";
  return /reading 'write'/.test(error.message) && /postgres[\\/](?:cjs[\\/])?src[\\/]connection\.js/.test(stack);
}

export function guardDriverBugs(log: (message: string) => void): void {
  process.on("uncaughtException", (error, origin) => {
    if (isClosedSocketWriteBug(error)) return log(`survived postgres.js closed-socket write: ${error.message}`);
    process.stderr.write(`${origin}: ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
}
