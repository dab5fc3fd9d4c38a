import type { ServerResponse } from "node:http";
import { Pool, type Dispatcher } from "undici";

/** Response heads past this are refused with a 502: a worker's are a few hundred bytes. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
/** Idle connections close before a Node worker's keep-alive timeout (5 s) could close them under a request. */
const IDLE_MS = 4000;

/** Codes of a new connection that could not be opened: nothing reached the worker, and it is likely gone. */
const CONNECT_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);
/** Hop-by-hop response headers (undici names them in lower case). */
const HOP_BY_HOP_RESPONSE = new Set(["connection", "keep-alive", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Keep-alive HTTP/1.1 connections to one worker (undici, no pipelining); at most `maxSockets`, then requests wait. */
export function upstreamPool(origin: string, options: { maxSockets: number; timeoutMs: number }): Pool {
  return new Pool(origin, {
    connections: options.maxSockets,
    pipelining: 1,
    keepAliveTimeout: IDLE_MS,
    keepAliveMaxTimeout: IDLE_MS,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    maxHeaderSize: MAX_RESPONSE_HEAD_BYTES,
  });
}

/** A request that failed before its answer's head. */
export class UpstreamError extends Error {
  constructor(
    /** The error code: ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, UND_ERR_HEADERS_TIMEOUT, UND_ERR_HEADERS_OVERFLOW, … */
    readonly code: string,
    message: string,
    /** It failed opening a new connection, not on one that was open: the worker is not there. */
    readonly connectFailed: boolean,
  ) {
    super(message);
  }
}

const RELAY = Symbol("relay");
type Relayed = ServerResponse & { [RELAY]?: Relay };
// Listeners shared by every response (no closures per request): `this` is the response.
function onDrain(this: Relayed) {
  this[RELAY]?.controller?.resume();
}
function onClose(this: Relayed) {
  this[RELAY]?.clientGone();
}

/**
 * One request's answer relayed to the client as undici's dispatch handler: the head is written as
 * it arrives (minus hop-by-hop headers), the body streamed with back-pressure (the worker's socket
 * pauses while the client's is full), and each side torn down when the other fails.
 */
export class Relay implements Dispatcher.DispatchHandler {
  /** Resolves once the head went to the client; rejects with an UpstreamError before that. */
  readonly answered: Promise<void>;
  controller?: Dispatcher.DispatchController;
  private readonly settle: { resolve: () => void; reject: (e: Error) => void };
  private started = false;
  private headSent = false;
  private done = false;

  constructor(private readonly res: Relayed) {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.answered = promise;
    this.settle = { resolve, reject };
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.started = true;
    this.controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status < 200) return; // interim answers
    const res = this.res;
    this.headSent = true;
    res[RELAY] = this;
    res.on("drain", onDrain);
    res.on("close", onClose);
    res.writeHead(status, responseHeaders(headers));
    if (res.writableNeedDrain) controller.pause();
    this.settle.resolve();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.done = true;
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    this.done = true;
    if (this.headSent) return void this.res.destroy();
    const code = (error as { code?: string }).code ?? "UND_ERR";
    // Before onRequestStart the request sat in undici's queue: only a failed connect ends it there.
    this.settle.reject(new UpstreamError(code, error.message, !this.started && CONNECT_FAILURES.has(code)));
  }

  /** The client went away: the worker's connection cannot be reused. */
  clientGone(): void {
    if (!this.done) this.controller?.abort(new Error("client went away"));
  }
}

/** A worker's response headers (undici's, names in lower case) for `writeHead`, minus hop-by-hop ones. */
export function responseHeaders(headers: Record<string, string | string[] | undefined>): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP_RESPONSE.has(name)) continue;
    if (typeof value === "string") out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}
