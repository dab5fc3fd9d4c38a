/** A suggestion passed its deadline: the caller ends it with `done` and no text. */
export class SuggestionAbandoned extends Error {
  constructor(readonly source: string) {
    super("the suggestion took too long");
  }
}

/**
 * Iterates `source` until `signal` aborts, even when the source is stuck in an await (a database
 * query, a request that sends nothing): then it throws the signal's reason at once and asks the
 * source to return, without waiting for it.
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  signal.throwIfAborted();
  const iterator = source[Symbol.asyncIterator]();
  let stop!: (reason: unknown) => void;
  const aborted = new Promise<never>((_, reject) => (stop = reject));
  aborted.catch(() => {});
  const onAbort = () => stop(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      const next = iterator.next();
      // A step left behind by an abort may still fail; nobody waits for it any more.
      next.catch(() => {});
      const step = await Promise.race([next, aborted]);
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } catch (error) {
    finished = !signal.aborted;
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!finished) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
