import { Pool, type Dispatcher } from "undici";

/** Response heads past this are refused with a 502: a worker's are a few hundred bytes. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
/** Idle connections close before a Node worker's keep-alive timeout (5 s) could close them under a request. */
const IDLE_MS = 4000;

/** Codes of a new connection that could not be opened: nothing reached the worker, and it is likely gone. */
const CONNECT_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);

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

/** Where a worker's response body goes; `data` returns false to ask for a pause. */
export interface BodySink {
  data(chunk: Buffer): boolean;
  end(): void;
  /** The connection broke or timed out mid-body. */
  error(error: Error): void;
}

/** One request to a worker, as undici's dispatch handler: the head resolves `answer`, the body goes to `stream`. */
export class Exchange implements Dispatcher.DispatchHandler {
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  readonly answer: Promise<Exchange>;
  private settle!: { resolve: (e: Exchange) => void; reject: (e: Error) => void };
  private controller?: Dispatcher.DispatchController;
  private started = false;
  private sink?: BodySink;
  private held?: Buffer[];
  private ended = false;
  private failure?: Error;

  constructor() {
    this.answer = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Starts delivering the body (bytes that came with the head are delivered first). */
  stream(sink: BodySink): void {
    this.sink = sink;
    if (this.held) for (const chunk of this.held) if (!sink.data(chunk)) this.controller?.pause();
    this.held = undefined;
    if (this.failure) sink.error(this.failure);
    else if (this.ended) sink.end();
  }

  resume(): void {
    if (!this.ended) this.controller?.resume();
  }

  /** The client went away: the connection cannot be reused. */
  abort(): void {
    if (!this.ended && !this.failure) this.controller?.abort(new Error("client went away"));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.started = true;
    this.controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status < 200) return; // interim answers
    this.controller = controller;
    this.status = status;
    this.headers = headers;
    this.settle.resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.sink) (this.held ??= []).push(chunk);
    else if (!this.sink.data(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.sink?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    if (this.status === 0) {
      const code = (error as { code?: string }).code ?? "UND_ERR";
      // Before onRequestStart the request sat in undici's queue: only a failed connect ends it there.
      this.settle.reject(new UpstreamError(code, error.message, !this.started && CONNECT_FAILURES.has(code)));
    } else this.sink?.error(error);
  }
}

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
