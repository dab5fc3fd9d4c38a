/** Runs tasks one after another; a failed task does not stop the ones behind it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Tasks waiting or running. */
  get size() {
    return this.queued;
  }

  run<T>(task: () => Promise<T>, onSettled?: () => void): Promise<T> {
    this.queued++;
    const result = this.tail.then(task);
    this.tail = result
      .catch(() => {})
      .finally(() => {
        this.queued--;
        onSettled?.();
      });
    return result;
  }
}
