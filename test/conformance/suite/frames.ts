import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { beforeEach, describe, expect, it } from "vitest";
import type { Room, ServerFrame } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError, nextAfter, settle, range, seqs, postMany } from "./support.ts";

export function frameTests({ first, sockets }: SuiteContext) {
  describe("WebSocket frames", () => {
    let api: ApiClient;
    let room: Room;
    let socket: SocketClient;
    beforeEach(async () => {
      api = new ApiClient(first());
      await api.register(uniqueName());
      room = await api.createRoom(uniqueName("Frames"));
      socket = sockets.add(await api.socket());
    });

    it("answers ping with pong", async () => {
      const since = socket.frames.length;
      socket.send({ type: "ping" });
      await nextAfter(socket, since, "pong");
    });

    it("takes a fresh token in an auth frame and answers authed {exp}; refuses another user's (extension)", async () => {
      const refreshed = await api.request("POST", "/api/auth/refresh");
      let since = socket.frames.length;
      socket.send({ type: "auth", token: refreshed.json.token });
      const authed = await nextAfter(socket, since, "authed");
      expect(authed.exp * 1000).toBe(Date.parse(refreshed.json.expiresAt));
      const stranger = new ApiClient(first());
      await stranger.register(uniqueName());
      since = socket.frames.length;
      socket.send({ type: "auth", token: stranger.token });
      expect(await nextAfter(socket, since, "error")).toMatchObject({ code: "forbidden" });
      since = socket.frames.length;
      socket.send({ type: "auth", token: "not.a.token" });
      expect(await nextAfter(socket, since, "error")).toMatchObject({ code: "unauthorized" });
      since = socket.frames.length;
      socket.send({ type: "ping" });
      await nextAfter(socket, since, "pong");
    });

    it("answers subscribe to a room the user is not in with forbidden, and to an unknown room with not_found", async () => {
      const stranger = new ApiClient(first());
      await stranger.register(uniqueName());
      const theirs = await stranger.createRoom(uniqueName("Private"));
      await expect(socket.subscribe(theirs.id)).rejects.toMatchObject({ frame: { type: "error", code: "forbidden" } });
      const unknown = randomUUID();
      await expect(socket.subscribe(unknown)).rejects.toMatchObject({ frame: { type: "error", code: "not_found" } });
      const since = socket.frames.length;
      socket.send({ type: "message", roomId: theirs.id, body: "hi", clientId: "nope" });
      expect(await nextAfter(socket, since, "error")).toMatchObject({ code: "forbidden", clientId: "nope" });
      expect((await stranger.history(theirs.id)).messages).toEqual([]);
    });

    it("answers bad frames with error frames and stays usable", async () => {
      const bad: Array<[string | object, Partial<Extract<ServerFrame, { type: "error" }>>]> = [
        ["this is not json", {}],
        ["[1, 2]", {}],
        [{ type: "no-such-type" }, {}],
        [{ noType: true }, {}],
        [{ type: "subscribe" }, {}],
        [{ type: "subscribe", roomId: 42 }, {}],
        [{ type: "message", roomId: room.id, clientId: "c-bad" }, { clientId: "c-bad" }],
        [{ type: "message", roomId: room.id, body: "x".repeat(4001), clientId: "c-long" }, { clientId: "c-long" }],
        [{ type: "subscribe", roomId: room.id, afterSeq: -1 }, {}],
      ];
      for (const [frame, fields] of bad) {
        const since = socket.frames.length;
        socket.send(frame);
        expect(await nextAfter(socket, since, "error")).toMatchObject({ type: "error", code: "invalid_request", message: expect.any(String), ...fields });
      }
      const since = socket.frames.length;
      socket.send({ type: "ping" });
      await nextAfter(socket, since, "pong");
      await socket.subscribe(room.id);
      expect((await socket.sendMessage(room.id, "still here", "c-ok")).message.body).toBe("still here");
      expect(socket.closed).toBeUndefined();
    });

    it("answers a socket that sends too fast with rate_limited errors, then closes it with 1008", async () => {
      for (let i = 0; i < 4000 && socket.ws.readyState === WebSocket.OPEN; i++) socket.send({ type: "ping" });
      expect((await socket.waitClose()).code).toBe(1008);
      const limited = socket.all("error");
      expect(limited.length).toBeGreaterThan(0);
      for (const error of limited) expect(error).toMatchObject({ code: "rate_limited", retryAfter: expect.any(Number) });
    });

    it("suggests over HTTP as {suggestion, source} and over WebSocket as streamed suggestion frames", async () => {
      const res = await api.request("POST", "/api/suggest", { roomId: room.id, text: "hello" });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toEqual({ suggestion: expect.any(String), source: expect.any(String) });
      const outsider = new ApiClient(first());
      await outsider.register(uniqueName());
      expectError(await outsider.request("POST", "/api/suggest", { roomId: room.id, text: "hello" }), 403, "forbidden");
      expectError(await api.request("POST", "/api/suggest", { text: "hello" }), 400, "invalid_request");
      socket.send({ type: "suggest", roomId: room.id, text: "hello", requestId: "r-1" });
      const done = await socket.next("suggestion", (f) => f.done);
      const frames = socket.all("suggestion");
      expect(frames.at(-1)).toBe(done);
      for (const frame of frames)
        expect(frame).toEqual({ type: "suggestion", requestId: "r-1", delta: expect.any(String), done: frame === done, source: expect.any(String) });
    });

    it("closes the socket with 1009 for a frame over 64 KiB", async () => {
      socket.send({ type: "ping", padding: "x".repeat(65 * 1024) });
      expect((await socket.waitClose()).code).toBe(1009);
    });

    it("stops delivering after unsubscribe, with unsubscribed {reason: requested} (extension)", async () => {
      await socket.subscribe(room.id);
      const since = socket.frames.length;
      socket.send({ type: "unsubscribe", roomId: room.id });
      expect(await nextAfter(socket, since, "unsubscribed")).toMatchObject({ roomId: room.id, reason: "requested" });
      await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "unseen" });
      await settle();
      expect(socket.messages(room.id)).toEqual([]);
    });

    it("delivers new messages to a subscription whose afterSeq is past the room's last seq", async () => {
      await postMany(api, room.id, 2);
      expect(await socket.subscribe(room.id, 50)).toMatchObject({ lastSeq: 2, limited: false });
      const posted = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "new" });
      expect(await socket.waitForMessages(room.id, 1)).toEqual([posted.json.message]);
    });

    it("replays at most the newest 1000 missed messages, with limited: true (extension)", async () => {
      await postMany(api, room.id, 1005, 25);
      const subscribed = await socket.subscribe(room.id, 0);
      expect(subscribed).toMatchObject({ limited: true, lastSeq: 1005 });
      expect(seqs(await socket.waitForMessages(room.id, 1000))).toEqual(range(6, 1005));
      const exact = sockets.add(await api.socket());
      expect(await exact.subscribe(room.id, 5)).toMatchObject({ limited: false, lastSeq: 1005 });
      expect(seqs(await exact.waitForMessages(room.id, 1000))).toEqual(range(6, 1005));
      await settle();
      expect(socket.messages(room.id)).toHaveLength(1000);
      expect(exact.messages(room.id)).toHaveLength(1000);
    });
  });
}
