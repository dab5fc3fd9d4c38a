import WebSocket from "ws";
import { afterEach, expect } from "vitest";
import type { Message, Room, ServerFrame } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import type { UploadSetup } from "./uploads.ts";

/** What every part of the suite gets: the targets and a socket tracker. */
export interface SuiteContext {
  /** The first target's base URL. */
  first: () => string;
  target: () => { urls: string[] };
  sockets: ReturnType<typeof trackSockets>;
  /** How the target stores uploads; CONFORMANCE_UPLOAD_MAX_BYTES when absent. */
  uploads?: UploadSetup;
}

/** Closes every socket a test opened, even when it failed. */
export function trackSockets() {
  const open: SocketClient[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return {
    add(socket: SocketClient) {
      open.push(socket);
      return socket;
    },
  };
}

/** Asserts an error answer: its status and exactly `{error: {code, message}}`. */
export function expectError(res: { status: number; json: any; text?: string }, status: number, code: string) {
  expect(res.status, res.text ?? JSON.stringify(res.json)).toBe(status);
  expect(Object.keys(res.json ?? {})).toEqual(["error"]);
  expect(res.json.error).toEqual({ code, message: expect.any(String) });
  expect(res.json.error.message.length).toBeGreaterThan(0);
}

export const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

export function expectRoomShape(room: Room) {
  expect(room).toMatchObject({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/i),
    name: expect.any(String),
    topic: expect.any(String),
    createdBy: expect.any(String),
    createdAt: expect.stringMatching(ISO_UTC),
    memberCount: expect.any(Number),
    onlineCount: expect.any(Number),
    kind: expect.stringMatching(/^(room|dm)$/),
    visibility: expect.stringMatching(/^(public|private)$/),
  });
}

export function expectMessageShape(message: Message) {
  expect(message).toMatchObject({
    id: expect.any(String),
    roomId: expect.any(String),
    seq: expect.any(Number),
    user: { id: expect.any(String), username: expect.any(String) },
    body: expect.any(String),
    createdAt: expect.stringMatching(ISO_UTC),
  });
  expect(message).toHaveProperty("clientId");
}

/** Posts `count` messages ("message 1", …) over HTTP, `concurrency` at a time (1 keeps bodies in seq order). */
export async function postMany(api: ApiClient, roomId: string, count: number, concurrency = 1) {
  for (let start = 1; start <= count; start += concurrency) {
    const numbers = range(start, Math.min(count, start + concurrency - 1));
    const results = await Promise.all(numbers.map((i) => api.request("POST", `/api/rooms/${roomId}/messages`, { body: `message ${i}`, clientId: `m-${i}` })));
    for (const res of results) if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  }
}

/** A frame of a type received after the first `since` frames. */
export function nextAfter<T extends ServerFrame["type"]>(socket: SocketClient, since: number, type: T) {
  return socket.next(type, (f) => socket.frames.indexOf(f) >= since);
}

/** Opens /ws by hand: the refusal's status, or the open socket with its first frame. */
export function upgrade(baseUrl: string, options: { protocols?: string[]; headers?: Record<string, string> }) {
  return new Promise<{ status: number; body: string } | { ws: WebSocket; firstFrame: ServerFrame }>((resolve, reject) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws", options.protocols ?? [], { headers: options.headers });
    ws.once("unexpected-response", (req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once("message", (data) => resolve({ ws, firstFrame: JSON.parse(data.toString()) }));
    ws.on("error", (error) => reject(error));
  });
}

export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await settle(50);
  }
}

/** Gives frames that should not come a chance to arrive. */
export const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
export const seqs = (messages: Message[]) => messages.map((m) => m.seq);
export const sortById = <T extends { id: string }>(items: T[]) => [...items].sort((x, y) => x.id.localeCompare(y.id));
