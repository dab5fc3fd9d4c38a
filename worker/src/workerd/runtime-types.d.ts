/**
 * The few workerd globals the adapter uses, declared here rather than pulling in
 * @cloudflare/workers-types, whose globals clash with the DOM and Node types of the rest of the repo.
 */

/** workerd's server-side WebSocket: the standard one plus `accept()` and `serializeAttachment()`. */
interface WorkerdWebSocket extends WebSocket {
  accept(): void;
}

declare class WebSocketPair {
  0: WorkerdWebSocket;
  1: WorkerdWebSocket;
}

interface ResponseInit {
  /** workerd: the client end of a WebSocketPair, returned with status 101. */
  webSocket?: WebSocket | null;
}

interface DurableObjectId {
  toString(): string;
}

interface DurableObjectStub {
  fetch(request: Request): Promise<Response>;
}

interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}

interface DurableObjectState {
  readonly id: DurableObjectId;
  waitUntil(promise: Promise<unknown>): void;
}

/** A Hyperdrive binding: a pooled PostgreSQL connection string (the local server's under `wrangler dev`). */
interface Hyperdrive {
  readonly connectionString: string;
}
