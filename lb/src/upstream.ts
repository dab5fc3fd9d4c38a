import { connect, type Socket } from "node:net";

/** Idle connections close before a Node worker's keep-alive timeout (5 s) could close them under a request. */
const IDLE_MS = 4000;

/** Where a worker's response body goes; `data` returns false to ask for a pause. */
export interface BodySink {
  data(chunk: Buffer): boolean;
  end(): void;
  /** The connection broke or timed out mid-body. */
  error(error: Error): void;
}

const hangUp = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
const timedOut = () => Object.assign(new Error("worker timed out"), { code: "ETIMEDOUT_WORKER" });

/** One request's answer: its head at once, its body through `stream`. */
export class Exchange {
  status = 0;
  /** The response headers as sent, as a flat [name, value, …] list. */
  headers: string[] = [];
  private sink?: BodySink;
  private held: Buffer[] = [];
  private ended = false;
  private failure?: Error;

  constructor(private readonly connection: Connection) {}

  /** Starts delivering the body (bytes that came with the head are delivered first). */
  stream(sink: BodySink): void {
    this.sink = sink;
    for (const chunk of this.held) if (!sink.data(chunk)) this.pause();
    this.held = [];
    if (this.failure) sink.error(this.failure);
    else if (this.ended) sink.end();
  }

  resume(): void {
    if (!this.ended) this.connection.socket.resume();
  }

  /** Once the body is complete the connection may already carry another request: leave it alone. */
  private pause(): void {
    if (!this.ended) this.connection.socket.pause();
  }

  /** The client went away: the connection cannot be reused. */
  abort(): void {
    if (!this.ended) this.connection.socket.destroy();
  }

  push(chunk: Buffer): void {
    if (!this.sink) this.held.push(chunk);
    else if (!this.sink.data(chunk)) this.pause();
  }

  finish(): void {
    this.ended = true;
    this.sink?.end();
  }

  fail(error: Error): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    this.sink?.error(error);
  }
}

/**
 * Keep-alive HTTP/1.1 connections to one worker, without node:http's client machinery: a request
 * is one write of a prepared head (and body), the answer is parsed here (Content-Length, chunked,
 * or until close; interim 1xx answers skipped). At most `maxSockets` connections, then requests wait.
 */
export class UpstreamPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<() => void> = [];
  private open = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: { maxSockets: number; timeoutMs: number },
  ) {}

  /**
   * Sends `head` (request line and headers, with the final blank line) and `body`; resolves once the
   * response head arrived, rejects with the connection's error (ECONNREFUSED, ECONNRESET, …) before that.
   */
  async request(head: string, body: Buffer | undefined, bodiless: boolean): Promise<Exchange> {
    const connection = this.idle.pop() ?? (await this.connect());
    return connection.send(head, body, bodiless, this.options.timeoutMs);
  }

  private async connect(): Promise<Connection> {
    while (this.open >= this.options.maxSockets) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      const reused = this.idle.pop();
      if (reused) return reused;
    }
    this.open++;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    const connection = new Connection(socket, (c) => this.release(c));
    socket.once("close", () => {
      this.open--;
      const at = this.idle.indexOf(connection);
      if (at >= 0) this.idle.splice(at, 1);
      this.waiting.shift()?.();
    });
    return connection;
  }

  private release(connection: Connection): void {
    this.idle.push(connection);
    this.waiting.shift()?.();
  }
}

type State = "idle" | "head" | "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailer" | "until-close";

/** One socket to a worker and the parser of its answers. */
class Connection {
  private state: State = "idle";
  private exchange?: Exchange;
  private answered?: { resolve: (e: Exchange) => void; reject: (e: Error) => void };
  private pending: Buffer | undefined;
  private remaining = 0;
  private bodiless = false;
  private keepAlive = true;

  constructor(
    readonly socket: Socket,
    private readonly release: (c: Connection) => void,
  ) {
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("timeout", () => socket.destroy(this.state === "idle" ? undefined : timedOut()));
    socket.on("error", (error) => this.broken(error));
    socket.on("close", () => this.broken(this.state === "until-close" ? undefined : hangUp()));
  }

  send(head: string, body: Buffer | undefined, bodiless: boolean, timeoutMs: number): Promise<Exchange> {
    this.state = "head";
    this.bodiless = bodiless;
    this.keepAlive = true;
    this.exchange = new Exchange(this);
    this.socket.setTimeout(timeoutMs);
    this.socket.cork();
    this.socket.write(head, "latin1");
    if (body) this.socket.write(body);
    this.socket.uncork();
    return new Promise((resolve, reject) => (this.answered = { resolve, reject }));
  }

  private broken(error: Error | undefined): void {
    const state = this.state;
    this.state = "idle";
    if (state === "idle") return;
    if (this.answered) this.answered.reject(error ?? hangUp());
    else if (state === "until-close" && !error) this.exchange!.finish();
    else this.exchange!.fail(error ?? hangUp());
    this.answered = undefined;
  }

  private read(chunk: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (data.length > 0) {
      switch (this.state) {
        case "idle":
          // Bytes nobody asked for: the connection is out of step.
          this.socket.destroy();
          return;
        case "head": {
          const end = data.indexOf("\r\n\r\n");
          if (end < 0) return void (this.pending = data);
          this.head(data.toString("latin1", 0, end));
          data = data.subarray(end + 4);
          break;
        }
        case "length": {
          const take = Math.min(this.remaining, data.length);
          this.exchange!.push(take === data.length ? data : data.subarray(0, take));
          data = data.subarray(take);
          this.remaining -= take;
          if (this.remaining === 0) this.done();
          break;
        }
        case "until-close":
          this.exchange!.push(data);
          return;
        case "chunk-size": {
          const eol = data.indexOf("\r\n");
          if (eol < 0) return void (this.pending = data);
          this.remaining = parseInt(data.toString("latin1", 0, eol), 16);
          data = data.subarray(eol + 2);
          if (!(this.remaining >= 0)) return void this.socket.destroy(new Error("bad chunk size from worker"));
          this.state = this.remaining === 0 ? "trailer" : "chunk-data";
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.remaining, data.length);
          this.exchange!.push(data.subarray(0, take));
          data = data.subarray(take);
          this.remaining -= take;
          if (this.remaining === 0) this.state = "chunk-end";
          break;
        }
        case "chunk-end":
        case "trailer": {
          const eol = data.indexOf("\r\n");
          if (eol < 0) return void (this.pending = data);
          const empty = eol === 0;
          data = data.subarray(eol + 2);
          if (this.state === "chunk-end") this.state = "chunk-size";
          else if (empty) this.done();
          break;
        }
      }
    }
  }

  /** Parses a response head; interim (1xx) answers are skipped. */
  private head(text: string): void {
    const lines = text.split("\r\n");
    const status = lines[0]!.startsWith("HTTP/1.") ? Number(lines[0]!.slice(9, 12)) : NaN;
    if (!(status >= 100 && status < 600)) return void this.socket.destroy(new Error("malformed response from worker"));
    if (status < 200) return;
    let length = -1;
    let chunked = false;
    const headers: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      headers.push(name, value);
      if (name.length === 14 && name.toLowerCase() === "content-length") length = Number(value);
      else if (name.length === 17 && name.toLowerCase() === "transfer-encoding") chunked = /chunked/i.test(value);
      else if (name.length === 10 && name.toLowerCase() === "connection") this.keepAlive = !/close/i.test(value);
    }
    const exchange = this.exchange!;
    exchange.status = status;
    exchange.headers = headers;
    if (this.bodiless || status === 204 || status === 304 || length === 0) this.state = "idle";
    else if (chunked) this.state = "chunk-size";
    else if (length > 0) ((this.state = "length"), (this.remaining = length));
    else ((this.state = "until-close"), (this.keepAlive = false));
    this.answered!.resolve(exchange);
    this.answered = undefined;
    if (this.state === "idle") this.done();
  }

  private done(): void {
    this.state = "idle";
    const exchange = this.exchange!;
    this.exchange = undefined;
    if (this.keepAlive) {
      this.socket.setTimeout(IDLE_MS);
      this.release(this);
    } else {
      this.socket.end();
    }
    exchange.finish();
  }
}
