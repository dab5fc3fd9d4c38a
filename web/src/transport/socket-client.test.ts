import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SocketClient, type SocketState, type WebSocketLike } from "./socket-client.ts";

/** An in-process stand-in for the server end: records what the client sends, plays frames back. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
    this.frame({ type: "hello", user: { id: "u1", username: "alice" }, worker: "w1", protocol: 1 });
  }
  frame(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}
const last = () => FakeSocket.all.at(-1)!;
const message = (seq: number, clientId: string) => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user: { id: "u1", username: "alice" },
  body: "hi",
  clientId,
  createdAt: "2026-01-01T00:00:00Z",
});

describe("SocketClient", () => {
  let seqs: Record<string, number | undefined>;
  let states: SocketState[];
  const make = (random = () => 0.5) => {
    const client = new SocketClient({
      url: "ws://x/ws",
      WebSocket: FakeSocket,
      token: () => "tok",
      afterSeq: (r) => seqs[r],
      random,
      backoff: { baseMs: 1000, capMs: 8000 },
    });
    client.onState((s) => states.push(s));
    return client;
  };
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    seqs = {};
    states = [];
  });
  afterEach(() => vi.useRealTimers());

  it("hands the open socket a fresh token in an auth frame, and reconnects after 4001 token expired", async () => {
    const client = make();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    client.authenticate("fresh");
    expect(last().sent.at(-1)).toEqual({ type: "auth", token: "fresh" });
    const first = last();
    first.drop(4001);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all.length).toBe(2);
    expect(last()).not.toBe(first);
  });

  it("authenticates with the browser subprotocol list and names its states", async () => {
    const client = make();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(last().protocols).toEqual(["parley.v2", "bearer.tok"]);
    last().open();
    expect(states).toEqual(["connecting", "connected"]);
  });

  it("reconnects with full-jitter backoff whose cap doubles, and resets after hello", async () => {
    const client = make(() => 0.99);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    for (const cap of [1000, 2000, 4000, 8000, 8000]) {
      const before = FakeSocket.all.length;
      last().drop();
      expect(client.state).toBe("reconnecting");
      await vi.advanceTimersByTimeAsync(cap * 0.99 - 5);
      expect(FakeSocket.all.length).toBe(before);
      await vi.advanceTimersByTimeAsync(10);
      expect(FakeSocket.all.length).toBe(before + 1);
    }
    last().open();
    expect(client.attempt).toBe(0);
  });

  it("resubscribes every room with afterSeq and resends unacknowledged messages with the same clientId and files", async () => {
    const client = make(() => 0);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    client.subscribe("r1");
    client.subscribe("r2");
    client.sendMessage("r1", "first", "c-1");
    client.sendMessage("r1", "second", "c-2", undefined, ["up1", "up2"]);
    client.sendMessage("r1", "", "c-3", { parentId: "m1", alsoToRoom: false }, ["up3"]);
    last().frame({ type: "ack", clientId: "c-1", message: message(7, "c-1") });
    last().drop();
    seqs.r1 = 7;
    await vi.advanceTimersByTimeAsync(1);
    last().open();
    expect(last().sent).toEqual([
      { type: "subscribe", roomId: "r1", afterSeq: 7 },
      { type: "subscribe", roomId: "r2" },
      { type: "message", roomId: "r1", body: "second", clientId: "c-2", attachments: ["up1", "up2"] },
      { type: "message", roomId: "r1", body: "", clientId: "c-3", parentId: "m1", attachments: ["up3"] },
    ]);
  });

  it("subscribes the user's stream on every connection, resuming after the seq it was given", async () => {
    let userSeq: number | undefined;
    const client = new SocketClient({ url: "ws://x/ws", WebSocket: FakeSocket, token: () => "tok", afterSeq: () => undefined, userAfterSeq: () => userSeq });
    client.subscribeUser();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    expect(last().sent).toEqual([{ type: "subscribeUser" }]);
    userSeq = 7;
    last().drop();
    await vi.advanceTimersByTimeAsync(20_000);
    last().open();
    expect(last().sent).toEqual([{ type: "subscribeUser", afterSeq: 7 }]);
    client.disconnect();
  });

  it("does not resend a message the server refused", async () => {
    const client = make(() => 0);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    client.sendMessage("r1", "too fast", "c-9");
    last().frame({ type: "error", code: "rate_limited", message: "slow down", clientId: "c-9" });
    last().drop();
    await vi.advanceTimersByTimeAsync(1);
    last().open();
    expect(last().sent.filter((f) => f.type === "message")).toEqual([]);
  });

  it("stays quiet while offline and connects at once when back online", async () => {
    const client = make();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    client.setOnline(false);
    expect(client.state).toBe("offline");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    client.setOnline(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("gives up on a connection that stops answering pings", async () => {
    const client = new SocketClient({
      url: "ws://x/ws",
      WebSocket: FakeSocket,
      token: () => "tok",
      afterSeq: () => undefined,
      pingIntervalMs: 1000,
      random: () => 0,
    });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(last().sent).toContainEqual({ type: "ping" });
    await vi.advanceTimersByTimeAsync(2500);
    expect(FakeSocket.all.length).toBe(2);
  });

  it("closes for good on disconnect", async () => {
    const client = make();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    client.disconnect();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.state).toBe("closed");
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("tells beforeConnect how the last connection ended: refused before opening, or closed after", async () => {
    const seen: unknown[] = [];
    const client = new SocketClient({
      url: "ws://x/ws",
      WebSocket: FakeSocket,
      token: () => "tok",
      afterSeq: () => undefined,
      random: () => 0,
      beforeConnect: async (last) => void seen.push(last),
    });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1);
    last().open();
    last().drop(1008);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([undefined, { opened: false, code: 1006 }, { opened: true, code: 1008 }]);
  });
});
