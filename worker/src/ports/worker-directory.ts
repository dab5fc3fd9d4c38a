/**
 * Which workers are alive, so a room's writes can go to the one that owns it (see
 * messages/room-writes.ts). Every worker sees the same list after a heartbeat or two; for a
 * moment two workers may disagree, which costs a hop, never correctness: the database orders
 * the writes whoever makes them.
 */
export interface WorkerDirectory {
  /** This worker's id, always among `live()`. */
  readonly self: string;
  /** The ids of the live workers, this one included. */
  live(): readonly string[];
  /** Called after the list changed (a worker came or went). */
  onChange(handler: () => void): void;
  /** Leaves the list (a clean shutdown) and stops heartbeating. */
  close(): Promise<void>;
}

/**
 * In-process workers for tests (and a single embedded worker): each `join(id)` is one worker's
 * directory; `leave(id)` takes a worker out as if its heartbeats had stopped.
 */
export class MemoryWorkerDirectory {
  private readonly members = new Map<string, Set<() => void>>();

  join(self: string): WorkerDirectory {
    const handlers = new Set<() => void>();
    this.members.set(self, handlers);
    this.changed();
    return {
      self,
      live: () => [...this.members.keys()],
      onChange: (handler) => void handlers.add(handler),
      close: async () => this.leave(self),
    };
  }

  leave(id: string): void {
    if (this.members.delete(id)) this.changed();
  }

  private changed() {
    for (const handlers of this.members.values()) for (const handler of handlers) handler();
  }
}
