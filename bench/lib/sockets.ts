/**
 * A fleet of WebSocket clients in a child process pinned to the load-generator CPUs, driven over
 * IPC: the fan-out, cross-worker and idle-memory benches hold thousands of sockets without taking
 * CPU from the server cores or from the bench process itself. The child is this same file, forked.
 *
 * The fleet speaks Parley's frames (the `ws-broadcast` baseline speaks the same ones). For speed it
 * reads a received `message` frame without JSON.parse: it checks the frame's prefix and slices out
 * `clientId`, so the load generator does as little as it can per delivery, against either server.
 */
import { fork, type ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { pinSelf } from "./cpus.ts";
import { latency, type Latency } from "./report.ts";

/** One socket to open: where, as whom, and the room it subscribes to. */
export interface SocketTarget {
  url: string;
  token: string;
  roomId: string;
}

/** One load run on the open sockets, all subscribed to `roomId`; the first `senders` sockets send. */
export interface LoadSpec {
  roomId: string;
  senders: number;
  /** closed: each sender keeps `window` messages in flight (until every socket got them); open: `rate` messages/s in total. */
  mode: { kind: "closed"; window: number } | { kind: "open"; rate: number };
  warmupMs: number;
  durationMs: number;
  /** How long to wait after the run for deliveries still on their way. */
  drainMs: number;
}

export interface LoadResult {
  /** Messages sent inside the measured window. */
  sent: number;
  /** Receipts (one message reaching one socket) per second inside the window. */
  deliveredPerSecond: number;
  /** Messages that reached every socket, per second inside the window. */
  messagesPerSecond: number;
  /** Send → receipt, over every receipt of the messages sent inside the window (ms). */
  latency: Latency;
  /** Receipts still missing after the drain, for messages sent inside the window. */
  lost: number;
  /** `error` frames answering sends. */
  errors: number;
  /** Load-generator CPU inside the window, in cores (1 = one core busy). */
  clientCpu: number;
  /** How late the open-loop schedule sent, p99 (ms): large means the load generator fell behind. */
  sendLagP99: number;
}

type Request =
  { id: number; cmd: "open"; targets: SocketTarget[]; concurrency: number } | { id: number; cmd: "load"; spec: LoadSpec } | { id: number; cmd: "close" };
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { event: "window"; phase: "start" | "end" };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const SELF = fileURLToPath(import.meta.url);

/** The open-file limit of processes started from here (every socket is a descriptor on both ends). */
export function openFileLimit(): number {
  const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim();
  return out === "unlimited" ? Infinity : Number(out);
}

/** The parent's handle on the fleet process. */
export class SocketFleet {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private onWindow?: (phase: "start" | "end") => void;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: Reply) => {
      if ("event" in reply) {
        try {
          return this.onWindow?.(reply.phase);
        } catch (error) {
          process.stderr.write(`socket fleet: window callback failed: ${(error as Error).message}\n`);
          return;
        }
      }
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`socket fleet: ${reply.error}`));
    });
    child.once("exit", (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`socket fleet exited with ${code}`));
      this.waiting.clear();
    });
  }

  /** Forks the fleet, pinned to `cpus`. */
  static start(cpus: string): SocketFleet {
    const child = fork(SELF, ["--fleet"], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, FLEET_CPUS: cpus },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new SocketFleet(child);
  }

  get pid() {
    return this.child.pid!;
  }

  /** Opens and subscribes the sockets (after closing any open ones); rejects if one fails. */
  open(targets: SocketTarget[], concurrency = 64): Promise<{ ms: number }> {
    return this.call({ cmd: "open", targets, concurrency }) as Promise<{ ms: number }>;
  }

  /** Runs a load; `onWindow` is told when the measured window starts and ends (to sample server CPU). */
  async load(spec: LoadSpec, onWindow?: (phase: "start" | "end") => void): Promise<LoadResult> {
    this.onWindow = onWindow;
    try {
      return (await this.call({ cmd: "load", spec })) as LoadResult;
    } finally {
      this.onWindow = undefined;
    }
  }

  /** Closes every open socket and waits for the closes. */
  close(): Promise<void> {
    return this.call({ cmd: "close" }) as Promise<void>;
  }

  /** Ends the process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await exited;
  }

  private call(request: DistributiveOmit<Request, "id">): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }
}

// ---- The child: the sockets themselves. ----

const MESSAGE_PREFIX = Buffer.from('{"type":"message",');
const ERROR_PREFIX = Buffer.from('{"type":"error",');
const CLIENT_ID_KEY = Buffer.from('"clientId":"');
const QUOTE = 0x22;

const startsWith = (data: Buffer, prefix: Buffer) => data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** The `clientId` of a serialized frame, found without parsing it. */
function clientIdOf(data: Buffer): string | undefined {
  const at = data.indexOf(CLIENT_ID_KEY);
  if (at < 0) return undefined;
  const start = at + CLIENT_ID_KEY.length;
  return data.toString("latin1", start, data.indexOf(QUOTE, start));
}

interface Sent {
  sentAt: number;
  remaining: number;
  sender: number;
  inWindow: boolean;
}

/** What a run in progress needs from the sockets' message handler. */
interface Run {
  onReceipt(id: string, now: number): void;
  onError(id: string | undefined): void;
}

class Fleet {
  private sockets: WebSocket[] = [];
  private run?: Run;

  async open(targets: SocketTarget[], concurrency: number) {
    await this.close();
    const started = performance.now();
    const sockets: WebSocket[] = new Array(targets.length);
    let cursor = 0;
    let failure: Error | undefined;
    const worker = async () => {
      while (cursor < targets.length && !failure) {
        const i = cursor++;
        sockets[i] = await this.connect(targets[i]!).catch((error: Error) => ((failure ??= error), undefined!));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
    this.sockets = sockets.filter(Boolean);
    if (failure) {
      await this.close();
      throw failure;
    }
    return { ms: performance.now() - started };
  }

  /** Opens one socket, waits for `hello`, subscribes and waits for `subscribed`. */
  private connect(target: SocketTarget): Promise<WebSocket> {
    const ws = new WebSocket(`${target.url.replace(/^http/, "ws")}/ws`, ["parley.v1", `bearer.${target.token}`], { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error("no hello/subscribed within 30 s")), 30_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      ws.once("unexpected-response", (_req, res) => fail(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once("error", fail);
      ws.on("message", (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { type: string; roomId?: string };
        if (frame.type === "hello") ws.send(JSON.stringify({ type: "subscribe", roomId: target.roomId }));
        else if (frame.type === "error") fail(new Error(`subscribe refused: ${data}`));
        else if (frame.type === "subscribed" && frame.roomId === target.roomId) {
          clearTimeout(timer);
          ws.removeAllListeners("message");
          ws.removeAllListeners("error");
          ws.on("error", () => {});
          ws.on("message", (d: Buffer) => this.receive(d));
          resolve(ws);
        }
      });
    });
  }

  private receive(data: Buffer) {
    const run = this.run;
    if (!run) return;
    if (startsWith(data, MESSAGE_PREFIX)) {
      const id = clientIdOf(data);
      if (id !== undefined) run.onReceipt(id, performance.now());
    } else if (startsWith(data, ERROR_PREFIX)) run.onError(clientIdOf(data));
  }

  async close() {
    const sockets = this.sockets;
    this.sockets = [];
    await Promise.all(
      sockets.map((ws) =>
        ws.readyState === WebSocket.CLOSED
          ? undefined
          : new Promise<void>((resolve) => {
              ws.once("close", () => resolve());
              ws.close();
              setTimeout(() => (ws.terminate(), resolve()), 5000).unref();
            }),
      ),
    );
  }

  /** Sends and counts receipts as `spec` says; see LoadSpec. */
  async load(spec: LoadSpec, tell: (phase: "start" | "end") => void): Promise<LoadResult> {
    const expected = this.sockets.length;
    const senders = this.sockets.slice(0, spec.senders);
    if (senders.length === 0) throw new Error("no sockets open");
    const start = performance.now();
    const windowStart = start + spec.warmupMs;
    const windowEnd = windowStart + spec.durationMs;
    const inFlight = new Array<number>(senders.length).fill(0);
    const samples: number[] = [];
    const lags: number[] = [];
    let sent = 0,
      receipts = 0,
      completed = 0,
      errors = 0,
      serial = 0;
    const tag = `${Date.now().toString(36)}-`;
    const pending = new Map<string, Sent>();

    const send = (sender: number, now: number) => {
      const clientId = `${tag}${serial++}`;
      const inWindow = now >= windowStart && now < windowEnd;
      if (inWindow) sent++;
      pending.set(clientId, { sentAt: now, remaining: expected, sender, inWindow });
      inFlight[sender]!++;
      senders[sender]!.send(JSON.stringify({ type: "message", roomId: spec.roomId, body: `fan-out bench message ${clientId}: the quick brown fox`, clientId }));
    };
    const closed = spec.mode.kind === "closed" ? spec.mode.window : 0;
    const pump = (sender: number) => {
      while (inFlight[sender]! < closed && performance.now() < windowEnd) send(sender, performance.now());
    };
    const settle = (sender: number) => {
      inFlight[sender]!--;
      if (closed) pump(sender);
    };
    this.run = {
      onReceipt(id, now) {
        const entry = pending.get(id);
        if (!entry) return;
        const measured = now >= windowStart && now < windowEnd;
        if (measured) receipts++;
        if (entry.inWindow) samples.push(now - entry.sentAt);
        if (--entry.remaining > 0) return;
        pending.delete(id);
        if (measured) completed++;
        settle(entry.sender);
      },
      onError(id) {
        errors++;
        const entry = id === undefined ? undefined : pending.get(id);
        if (!entry) return;
        pending.delete(id!);
        settle(entry.sender);
      },
    };
    const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
    const openLoop = async (rate: number) => {
      const interval = 1000 / rate;
      for (let k = 0; ; k++) {
        const due = start + k * interval;
        if (due >= windowEnd) return;
        if (due - performance.now() > 1) await sleepUntil(due);
        const now = performance.now();
        if (now >= windowStart) lags.push(Math.max(0, now - due));
        send(k % senders.length, now);
      }
    };
    let sending: Promise<void> = Promise.resolve();
    if (closed) senders.forEach((_, i) => pump(i));
    else sending = openLoop((spec.mode as { rate: number }).rate);
    await sleepUntil(windowStart);
    const cpuStart = process.cpuUsage();
    tell("start");
    await sleepUntil(windowEnd);
    const used = process.cpuUsage(cpuStart);
    const cpu = (used.user + used.system) / 1000 / spec.durationMs;
    tell("end");
    await sending;
    const drainUntil = performance.now() + spec.drainMs;
    while (pending.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    let lost = 0;
    for (const entry of pending.values()) if (entry.inWindow) lost += entry.remaining;
    this.run = undefined;
    const seconds = spec.durationMs / 1000;
    return {
      sent,
      deliveredPerSecond: receipts / seconds,
      messagesPerSecond: completed / seconds,
      latency: latency(samples),
      lost,
      errors,
      clientCpu: cpu,
      sendLagP99: latency(lags).p99 || 0,
    };
  }
}

if (process.argv[1] === SELF && process.argv.includes("--fleet")) {
  pinSelf(process.env.FLEET_CPUS!);
  const fleet = new Fleet();
  const reply = (message: Reply) => process.send!(message);
  process.on("disconnect", () => process.exit(0));
  process.on("message", (request: Request) => {
    const work =
      request.cmd === "open"
        ? fleet.open(request.targets, request.concurrency)
        : request.cmd === "load"
          ? fleet.load(request.spec, (phase) => reply({ event: "window", phase }))
          : fleet.close();
    work.then(
      (result) => reply({ id: request.id, ok: true, result: result ?? null }),
      (error: Error) => reply({ id: request.id, ok: false, error: error.message }),
    );
  });
}
