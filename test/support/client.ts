import WebSocket from "ws";
import type { Message, Room, ServerFrame, User } from "@parley/protocol";

/** A small HTTP client for Parley, for tests and scripts. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /**
   * Registers a user and keeps its token. Tests sign many people up from one address at once, and a
   * worker lets each address have only a few password hashes waiting (429 "at once", Retry-After 1):
   * like a well-behaved client, this waits as told and tries again.
   */
  async register(username: string, password = "correct horse battery"): Promise<User> {
    let res = await this.request("POST", "/api/auth/register", { username, password });
    for (let tries = 0; res.status === 429 && /at once/.test(res.text) && tries < 60; tries++) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000 * (0.5 + Math.random())));
      res = await this.request("POST", "/api/auth/register", { username, password });
    }
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text}`);
    this.token = res.json.token;
    return res.json.user;
  }

  async createRoom(name: string, topic?: string): Promise<Room> {
    const res = await this.request("POST", "/api/rooms", { name, topic });
    if (res.status !== 201) throw new Error(`create room: ${res.status} ${res.text}`);
    return res.json.room;
  }

  async join(roomId: string) {
    const res = await this.request("POST", `/api/rooms/${roomId}/join`);
    if (res.status !== 200) throw new Error(`join: ${res.status} ${res.text}`);
    return res.json.room as Room;
  }

  async history(roomId: string, query = ""): Promise<{ messages: Message[]; hasMore: boolean }> {
    const res = await this.request("GET", `/api/rooms/${roomId}/messages${query}`);
    if (res.status !== 200) throw new Error(`history: ${res.status} ${res.text}`);
    return res.json;
  }

  /** Posts `count` messages to a room through REST, `concurrency` at a time (seq order follows arrival); resolves when all are stored. */
  async sendMany(roomId: string, count: number, body: (i: number) => string = (i) => `message ${i + 1}`, concurrency = 8) {
    let next = 0;
    const one = async (): Promise<void> => {
      const i = next++;
      if (i >= count) return;
      const res = await this.request("POST", `/api/rooms/${roomId}/messages`, { body: body(i), clientId: crypto.randomUUID() });
      if (res.status !== 201) throw new Error(`send: ${res.status} ${res.text}`);
      return one();
    };
    await Promise.all(Array.from({ length: concurrency }, one));
  }

  /** Opens /ws the way browsers do (subprotocol token; parley.v1 unless `protocols` says) and waits for `hello`. */
  socket(options: { headers?: Record<string, string>; protocols?: string[] } = {}) {
    return SocketClient.open(this.baseUrl.replace(/^http/, "ws") + "/ws", this.token!, options);
  }
}

/** A WebSocket test client that records every frame and waits for the ones a test expects. */
export class SocketClient {
  readonly frames: ServerFrame[] = [];
  /** Bytes of every frame received. */
  bytes = 0;
  private waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  closed?: { code: number; reason: string };
  private closeWaiters: Array<(c: { code: number; reason: string }) => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.bytes += (data as Buffer).length;
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.match(frame) ? (w.resolve(frame), false) : true));
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const resolve of this.closeWaiters) resolve(this.closed);
    });
  }

  static open(url: string, token: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<SocketClient> {
    const ws = new WebSocket(url, [...(options.protocols ?? ["parley.v1"]), `bearer.${token}`], { headers: options.headers });
    const client = new SocketClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once("error", reject);
      client.next("hello").then(() => resolve(client), reject);
    });
  }

  send(frame: object | string) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or coming) of a type that matches. */
  next<T extends ServerFrame["type"]>(
    type: T,
    match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const test = (f: ServerFrame) => f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen as Extract<ServerFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({ match: test, resolve: (f) => (clearTimeout(timer), resolve(f as Extract<ServerFrame, { type: T }>)) });
    });
  }

  /** Frames of a type received so far. */
  all<T extends ServerFrame["type"]>(type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.frames.filter((f) => f.type === type) as Array<Extract<ServerFrame, { type: T }>>;
  }

  /** Messages of a room received so far, in arrival order. */
  messages(roomId: string): Message[] {
    return this.all("message")
      .map((f) => f.message)
      .filter((m) => m.roomId === roomId);
  }

  /** Waits until `count` messages of the room arrived. */
  async waitForMessages(roomId: string, count: number, timeoutMs = 10_000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages(roomId).length < count) {
      if (Date.now() > deadline) throw new Error(`got ${this.messages(roomId).length}/${count} messages`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.messages(roomId);
  }

  /** Subscribes and waits for `subscribed`. */
  async subscribe(roomId: string, afterSeq?: number) {
    const since = this.frames.length;
    this.send({ type: "subscribe", roomId, ...(afterSeq !== undefined ? { afterSeq } : {}) });
    const failed = this.next("error", (f) => f.roomId === roomId && this.frames.indexOf(f) >= since).then((e) => {
      throw Object.assign(new Error(`${e.code}: ${e.message}`), { frame: e });
    });
    return Promise.race([this.next("subscribed", (f) => f.roomId === roomId && this.frames.indexOf(f) >= since), failed]);
  }

  /** Sends a message and waits for its ack (or error). */
  async sendMessage(roomId: string, body: string, clientId: string) {
    this.send({ type: "message", roomId, body, clientId });
    const ack = this.next("ack", (f) => f.clientId === clientId);
    const error = this.next("error", (f) => f.clientId === clientId).then((e) => {
      throw Object.assign(new Error(`${e.code}: ${e.message}`), { frame: e });
    });
    return Promise.race([ack, error]);
  }

  waitClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("socket did not close")), timeoutMs);
      this.closeWaiters.push((c) => (clearTimeout(timer), resolve(c)));
    });
  }

  close() {
    this.ws.close();
    return this.waitClose().catch(() => undefined);
  }
}
