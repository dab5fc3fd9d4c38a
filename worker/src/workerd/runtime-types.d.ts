/**
 * The few workerd globals the adapter uses, declared here rather than pulling in
 * @cloudflare/workers-types, whose globals clash with the DOM and Node types of the rest of the repo.
 */

/** workerd's WebSocket: the standard one plus `accept()` and the Hibernation API's attachments. */
interface WorkerdWebSocket extends WebSocket {
  accept(): void;
  /** Kept with a hibernatable socket (structured clone, at most 2 KiB), so it survives hibernation. */
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

declare class WebSocketPair {
  0: WorkerdWebSocket;
  1: WorkerdWebSocket;
}

interface ResponseInit {
  /** workerd: the client end of a WebSocketPair, returned with status 101. */
  webSocket?: WebSocket | null;
}

/** A response from a Durable Object stub; `webSocket` is set when it accepted an upgrade. */
type WorkerdResponse = Response & { readonly webSocket: WorkerdWebSocket | null };

interface DurableObjectId {
  toString(): string;
}

interface DurableObjectStub {
  fetch(input: Request | string, init?: RequestInit): Promise<Response>;
}

/** A namespace whose stubs also answer the JS RPC methods `Rpc` (calls on a class extending DurableObject). */
interface DurableObjectNamespace<Rpc = unknown> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub & Rpc;
}

type SqlStorageValue = string | number | null | ArrayBuffer;

interface SqlStorageCursor<Row> extends Iterable<Row> {
  toArray(): Row[];
  one(): Row;
  readonly rowsWritten: number;
}

/** The SQL API of a SQLite-backed Durable Object (`new_sqlite_classes`): synchronous, one database per object. */
interface SqlStorage {
  exec<Row = Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): SqlStorageCursor<Row>;
}

interface DurableObjectStorage {
  readonly sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
}

interface DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  waitUntil(promise: Promise<unknown>): void;
  /** The Hibernation API: the runtime holds the socket and calls webSocketMessage/Close/Error on the object. */
  acceptWebSocket(ws: WebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): WorkerdWebSocket[];
  /** Resets the object: its sockets close and the next request gets a fresh instance. */
  abort(reason?: string): void;
}

/** A Hyperdrive binding: a pooled PostgreSQL connection string (the local server's under `wrangler dev`). */
interface Hyperdrive {
  readonly connectionString: string;
}

declare module "cloudflare:workers" {
  /** Durable Objects extending this class answer JS RPC: their public methods are callable on a stub. */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}
