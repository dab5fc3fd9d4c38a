import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Message, Room, ServerFrame, User } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";

/**
 * Parley's protocol conformance suite (shared/PROTOCOL.md plus the server's documented extensions).
 * It reaches the server only through HTTP and WebSocket at the given base URLs, so it can run against
 * one worker, several workers, the balancer or `wrangler dev`. Every name it creates is unique, so
 * it can run again against the same database.
 *
 * `urls[0]` serves the single-target tests; with two or more URLs the real-time tests run a second
 * time with their clients spread over `urls[0]` and `urls[1]` (cross-worker delivery, presence and
 * resume). The targets need generous REGISTER_RATE and MESSAGE_RATE (thousands a minute: the suite
 * registers dozens of users and posts over a thousand messages), while LOGIN_RATE (per account) and
 * FRAME_RATE (per connection) stay near their defaults, low enough for the suite to reach them.
 */
export function conformanceSuite(name: string, target: () => { urls: string[] }) {
  const first = () => target().urls[0]!;

  describe(`${name}: conformance`, () => {
    const sockets = trackSockets();

    describe("auth", () => {
      it("registers with 201 {user, token}; the token is an HS256 JWT naming the user", async () => {
        const username = uniqueName("Reg");
        const res = await new ApiClient(first()).request("POST", "/api/auth/register", { username, password: "correct horse battery" });
        expect(res.status, res.text).toBe(201);
        expect(res.json).toMatchObject({ user: { id: expect.any(String), username }, token: expect.any(String) });
        const [header, payload] = res.json.token.split(".").slice(0, 2).map((part: string) => JSON.parse(Buffer.from(part, "base64url").toString()));
        expect(header.alg).toBe("HS256");
        expect(payload).toMatchObject({ sub: res.json.user.id, name: username, exp: expect.any(Number) });
        expect(payload.exp * 1000).toBeGreaterThan(Date.now());
      });

      it("answers 409 for a username taken in another case", async () => {
        const username = uniqueName("Case");
        await new ApiClient(first()).register(username);
        const res = await new ApiClient(first()).request("POST", "/api/auth/register", { username: username.toUpperCase(), password: "correct horse battery" });
        expectError(res, 409, "conflict");
      });

      it("logs in with 200 {user, token}, whatever case the username is typed in", async () => {
        const username = uniqueName("Login");
        const user = await new ApiClient(first()).register(username, "a good password");
        for (const typed of [username, username.toLowerCase()]) {
          const res = await new ApiClient(first()).request("POST", "/api/auth/login", { username: typed, password: "a good password" });
          expect(res.status, res.text).toBe(200);
          expect(res.json).toMatchObject({ user, token: expect.any(String) });
          const me = await new ApiClient(first(), res.json.token).request("GET", "/api/me");
          expect(me.json).toEqual({ user });
        }
      });

      it("answers 401 with the same body for a wrong password and an unknown user", async () => {
        const username = uniqueName();
        await new ApiClient(first()).register(username, "the right password");
        const wrong = await new ApiClient(first()).request("POST", "/api/auth/login", { username, password: "the wrong password" });
        const unknown = await new ApiClient(first()).request("POST", "/api/auth/login", { username: uniqueName("nobody"), password: "the wrong password" });
        expectError(wrong, 401, "unauthorized");
        expectError(unknown, 401, "unauthorized");
        expect(unknown.text).toBe(wrong.text);
      });

      it("GET /api/me answers {user} for the token's user", async () => {
        const api = new ApiClient(first());
        const user = await api.register(uniqueName());
        const res = await api.request("GET", "/api/me");
        expect(res.status).toBe(200);
        expect(res.json).toEqual({ user });
      });

      it("refreshes a token (extension)", async () => {
        const api = new ApiClient(first());
        const user = await api.register(uniqueName());
        const res = await api.request("POST", "/api/auth/refresh");
        expect(res.status, res.text).toBe(200);
        expect(res.json).toMatchObject({ user, token: expect.any(String) });
        expect((await new ApiClient(first(), res.json.token).request("GET", "/api/me")).json).toEqual({ user });
      });

      it("answers 401 without a token, with garbage and with a tampered token", async () => {
        const api = new ApiClient(first());
        await api.register(uniqueName());
        const [header, payload, signature] = api.token!.split(".") as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
        const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID(), name: "admin" })).toString("base64url");
        const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
        const authorizations: Array<string | undefined> = [
          undefined,
          "Bearer garbage",
          "Bearer not.a.jwt",
          `Bearer ${header}.${forgedPayload}.${signature}`,
          `Bearer ${header}.${payload}.${flipped}`,
          `Basic ${api.token}`,
        ];
        for (const authorization of authorizations) {
          const res = await new ApiClient(first()).request("GET", "/api/me", undefined, authorization ? { authorization } : {});
          expectError(res, 401, "unauthorized");
        }
      });

      it("counts passwords in UTF-8 bytes: 8–72", async () => {
        const register = (password: string) => new ApiClient(first()).request("POST", "/api/auth/register", { username: uniqueName(), password });
        expectError(await register("x".repeat(73)), 400, "invalid_request");
        expectError(await register("é".repeat(37)), 400, "invalid_request"); // 37 characters, 74 bytes
        expectError(await register("😀".repeat(19)), 400, "invalid_request"); // 19 code points, 76 bytes
        expectError(await register("x".repeat(7)), 400, "invalid_request");
        const ok = await Promise.all([register("x".repeat(72)), register("é".repeat(36)), register("€".repeat(24)), register("éééé")]);
        expect(ok.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      });

      it("answers 400 for usernames outside [a-zA-Z0-9_.-]{3,32}", async () => {
        for (const username of ["has space", "slash/name", "ünïcode", "semi;colon", "ab", "x".repeat(33), "", 42]) {
          const res = await new ApiClient(first()).request("POST", "/api/auth/register", { username, password: "correct horse battery" });
          expectError(res, 400, "invalid_request");
        }
      });

      it("answers 400 for a body that is not JSON or not sent as application/json", async () => {
        const api = new ApiClient(first());
        const credentials = JSON.stringify({ username: uniqueName(), password: "correct horse battery" });
        expectError(await api.request("POST", "/api/auth/register", "{not json"), 400, "invalid_request");
        expectError(await api.request("POST", "/api/auth/register", credentials, { "content-type": "text/plain" }), 400, "invalid_request");
        expectError(await api.request("POST", "/api/auth/register", "[]"), 400, "invalid_request");
        expectError(await api.request("POST", "/api/auth/login", "null"), 400, "invalid_request");
      });

      it("answers 413 for a body over 64 KiB, with or without Content-Length", async () => {
        const api = new ApiClient(first());
        const big = JSON.stringify({ username: uniqueName(), password: "x".repeat(70 * 1024) });
        expectError(await api.request("POST", "/api/auth/register", big), 413, "too_large");
        const chunked = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 15_000, (i + 1) * 15_000)));
            controller.close();
          },
        });
        const res = await fetch(first() + "/api/auth/register", { method: "POST", headers: { "content-type": "application/json" }, body: chunked, duplex: "half" } as RequestInit);
        expectError({ status: res.status, json: await res.json() }, 413, "too_large");
      });
    });

    describe("HTTP conventions", () => {
      it("answers every error as {error: {code, message}} in JSON", async () => {
        const api = new ApiClient(first());
        await api.register(uniqueName());
        const res = await api.request("GET", "/api/no-such-endpoint");
        expectError(res, 404, "not_found");
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      });

      it("sends x-served-by on every answer and echoes x-request-id", async () => {
        const api = new ApiClient(first());
        const requestId = `conformance-${randomUUID()}`;
        const failed = await api.request("GET", "/api/me", undefined, { "x-request-id": requestId });
        expect(failed.status).toBe(401);
        expect(failed.headers.get("x-request-id")).toBe(requestId);
        expect(failed.headers.get("x-served-by")).toBeTruthy();
        await api.register(uniqueName());
        const ok = await api.request("GET", "/api/me", undefined, { "x-request-id": requestId });
        expect(ok.headers.get("x-request-id")).toBe(requestId);
        expect(ok.headers.get("x-served-by")).toBeTruthy();
        expect((await api.request("GET", "/api/me")).headers.get("x-request-id")).toBeTruthy();
        const health = await fetch(first() + "/healthz");
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ ok: true });
        expect(health.headers.get("x-served-by")).toBeTruthy();
        const ready = await fetch(first() + "/readyz");
        expect(ready.status).toBe(200);
      });

      it("answers too many logins with 429 rate_limited, Retry-After and RateLimit-* headers", async () => {
        const username = uniqueName();
        await new ApiClient(first()).register(username);
        let res: Awaited<ReturnType<ApiClient["request"]>> | undefined;
        for (let i = 0; i < 40 && res?.status !== 429; i++) {
          res = await new ApiClient(first()).request("POST", "/api/auth/login", { username, password: "not the password" });
        }
        expectError(res!, 429, "rate_limited");
        expect(Number(res!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        for (const header of ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]) expect(res!.headers.get(header)).toMatch(/^\d+$/);
      });
    });

    describe("rooms", () => {
      it("creates a room with 201 {room}; the creator is its one member", async () => {
        const api = new ApiClient(first());
        const user = await api.register(uniqueName());
        const name = uniqueName("Room");
        const res = await api.request("POST", "/api/rooms", { name, topic: "a topic" });
        expect(res.status, res.text).toBe(201);
        expectRoomShape(res.json.room);
        expect(res.json.room).toMatchObject({ name, topic: "a topic", createdBy: user.id, memberCount: 1, onlineCount: 0 });
        const noTopic = await api.createRoom(uniqueName("room"));
        expect(noTopic.topic).toBe("");
      });

      it("answers 409 for a room name taken in another case", async () => {
        const api = new ApiClient(first());
        await api.register(uniqueName());
        const name = uniqueName("Dup");
        await api.createRoom(name);
        expectError(await api.request("POST", "/api/rooms", { name: name.toUpperCase() }), 409, "conflict");
      });

      it("checks names (1–64 characters) and topics (≤ 256 characters)", async () => {
        const api = new ApiClient(first());
        await api.register(uniqueName());
        for (const body of [{ name: "" }, { name: "   " }, { name: uniqueName("r").padEnd(65, "x") }, { name: uniqueName("r"), topic: "t".repeat(257) }, {}]) {
          expectError(await api.request("POST", "/api/rooms", body), 400, "invalid_request");
        }
        // Characters are code points: 64 of them, 116 UTF-16 units.
        const name = uniqueName("r");
        const longest = await api.request("POST", "/api/rooms", { name: name + "😀".repeat(64 - name.length), topic: "t".repeat(256) });
        expect(longest.status, longest.text).toBe(201);
        expectError(await new ApiClient(first()).request("POST", "/api/rooms", { name: uniqueName("r") }), 401, "unauthorized");
      });

      it("lists rooms with memberCount, onlineCount (and, as extensions, joined and ?q=)", async () => {
        const owner = new ApiClient(first());
        await owner.register(uniqueName());
        const other = new ApiClient(first());
        await other.register(uniqueName());
        const room = await owner.createRoom(uniqueName("Listed"));
        await other.join(room.id);
        const res = await other.request("GET", "/api/rooms");
        expect(res.status).toBe(200);
        for (const r of res.json.rooms) expectRoomShape(r);
        // The list is capped (500 rooms on a worker): after many runs against one database ours may be past it.
        if (res.json.rooms.length < 500) expect((res.json.rooms as Room[]).map((r) => r.id)).toContain(room.id);
        const found = await other.request("GET", `/api/rooms?q=${encodeURIComponent(room.name.toUpperCase())}`);
        expect(found.json.rooms).toEqual([{ ...room, memberCount: 2, onlineCount: 0, joined: true }]);
        const outsider = new ApiClient(first());
        await outsider.register(uniqueName());
        const mine = await outsider.request("GET", "/api/rooms?joined=true");
        expect(mine.json.rooms).toEqual([]);
      });

      it("gets a room as {room, online}; 404 for an unknown or malformed id", async () => {
        const api = new ApiClient(first());
        await api.register(uniqueName());
        const room = await api.createRoom(uniqueName("Got"));
        const res = await api.request("GET", `/api/rooms/${room.id}`);
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ room, online: [] });
        expectError(await api.request("GET", `/api/rooms/${randomUUID()}`), 404, "not_found");
        expectError(await api.request("GET", "/api/rooms/not-a-uuid"), 404, "not_found");
        expectError(await api.request("POST", `/api/rooms/${randomUUID()}/join`), 404, "not_found");
        expectError(await api.request("GET", `/api/rooms/${randomUUID()}/members`), 404, "not_found");
      });

      it("joins and leaves idempotently with 200 {room}", async () => {
        const owner = new ApiClient(first());
        await owner.register(uniqueName());
        const room = await owner.createRoom(uniqueName("Door"));
        const guest = new ApiClient(first());
        await guest.register(uniqueName());
        for (let i = 0; i < 2; i++) {
          const res = await guest.request("POST", `/api/rooms/${room.id}/join`);
          expect(res.status, res.text).toBe(200);
          expect(res.json.room).toMatchObject({ id: room.id, memberCount: 2 });
        }
        for (let i = 0; i < 2; i++) {
          const res = await guest.request("POST", `/api/rooms/${room.id}/leave`);
          expect(res.status, res.text).toBe(200);
          expect(res.json.room).toMatchObject({ id: room.id, memberCount: 1 });
        }
      });

      it("lists members with online flags, and who is online in /presence", async () => {
        const owner = new ApiClient(first());
        const ownerUser = await owner.register(uniqueName());
        const room = await owner.createRoom(uniqueName("Members"));
        const guest = new ApiClient(first());
        const guestUser = await guest.register(uniqueName());
        await guest.join(room.id);
        const socket = sockets.add(await owner.socket());
        await socket.subscribe(room.id);

        const members = await guest.request("GET", `/api/rooms/${room.id}/members`);
        expect(members.status).toBe(200);
        expect(sortById(members.json.members)).toEqual(sortById([{ ...ownerUser, online: true }, { ...guestUser, online: false }]));
        const presence = await guest.request("GET", `/api/rooms/${room.id}/presence`);
        expect(presence.json).toEqual({ online: [ownerUser] });
        const got = await guest.request("GET", `/api/rooms/${room.id}`);
        expect(got.json).toMatchObject({ room: { onlineCount: 1 }, online: [ownerUser] });
        expect((await guest.request("GET", `/api/rooms?q=${room.name}`)).json.rooms).toMatchObject([{ id: room.id, memberCount: 2, onlineCount: 1 }]);

        await socket.close();
        await eventually(async () => (await guest.request("GET", `/api/rooms/${room.id}/presence`)).json.online.length === 0);
      });
    });

    describe("messages over HTTP", () => {
      let owner: ApiClient;
      let ownerUser: User;
      let room: Room;
      beforeEach(async () => {
        owner = new ApiClient(first());
        ownerUser = await owner.register(uniqueName());
        room = await owner.createRoom(uniqueName("Http"));
      });
      const post = (body: unknown, api = owner) => api.request("POST", `/api/rooms/${room.id}/messages`, body);

      it("stores a message with 201 {message}, trimmed, numbered from seq 1", async () => {
        const res = await post({ body: "  hello\tworld \n", clientId: "c-1" });
        expect(res.status, res.text).toBe(201);
        expectMessageShape(res.json.message);
        expect(res.json.message).toMatchObject({ roomId: room.id, seq: 1, user: ownerUser, body: "hello\tworld", clientId: "c-1" });
        const second = await post({ body: "no client id" });
        expect(second.json.message).toMatchObject({ seq: 2, clientId: null });
        expect((await owner.history(room.id)).messages).toEqual([res.json.message, second.json.message]);
      });

      it("answers a repeated clientId with 200 and the first message, storing nothing", async () => {
        const original = await post({ body: "once", clientId: "same" });
        const again = await post({ body: "twice?", clientId: "same" });
        expect(original.status).toBe(201);
        expect(again.status).toBe(200);
        expect(again.json.message).toEqual(original.json.message);
        expect((await owner.history(room.id)).messages).toEqual([original.json.message]);
        // The key is per user: someone else may use the same clientId.
        const other = new ApiClient(owner.baseUrl);
        await other.register(uniqueName());
        await other.join(room.id);
        expect((await post({ body: "mine", clientId: "same" }, other)).status).toBe(201);
      });

      it("answers 403 to non-members and 404 for unknown rooms", async () => {
        const outsider = new ApiClient(first());
        await outsider.register(uniqueName());
        expectError(await post({ body: "let me in" }, outsider), 403, "forbidden");
        expectError(await outsider.request("GET", `/api/rooms/${room.id}/messages`), 403, "forbidden");
        expectError(await outsider.request("POST", `/api/rooms/${randomUUID()}/messages`, { body: "hi" }), 404, "not_found");
        expect((await owner.history(room.id)).messages).toEqual([]);
      });

      it("checks bodies: 1–4000 code points after trimming, no NUL", async () => {
        for (const body of ["", "   \n\t  ", "x".repeat(4001), "😀".repeat(4001), "a\u0000b", 42, null]) {
          expectError(await post({ body }), 400, "invalid_request");
        }
        expectError(await post({}), 400, "invalid_request");
        const longest = await post({ body: "x".repeat(4000) });
        expect(longest.status, longest.text).toBe(201);
        const emoji = await post({ body: "😀".repeat(4000) });
        expect(emoji.status, emoji.text).toBe(201);
        expect(emoji.json.message.body).toBe("😀".repeat(4000));
        const padded = await post({ body: `   ${"y".repeat(4000)}   ` });
        expect(padded.status, padded.text).toBe(201);
      });

      it("pages history: newest first page, beforeSeq back without overlap or gap, afterSeq forward", async () => {
        await postMany(owner, room.id, 120);
        const newest = await owner.history(room.id);
        expect(newest.hasMore).toBe(true);
        expect(seqs(newest.messages)).toEqual(range(71, 120));
        const pages = [newest.messages];
        for (let hasMore = newest.hasMore; hasMore; ) {
          const page = await owner.history(room.id, `?beforeSeq=${pages[0]![0]!.seq}`);
          pages.unshift(page.messages);
          hasMore = page.hasMore;
        }
        expect(pages.map((p) => p.length)).toEqual([20, 50, 50]);
        expect(seqs(pages.flat())).toEqual(range(1, 120));
        expect(pages.flat().map((m) => m.body)).toEqual(range(1, 120).map((i) => `message ${i}`));

        expect(await owner.history(room.id, "?afterSeq=100")).toMatchObject({ hasMore: false });
        expect(seqs((await owner.history(room.id, "?afterSeq=100")).messages)).toEqual(range(101, 120));
        const forward = await owner.history(room.id, "?afterSeq=0&limit=10");
        expect(seqs(forward.messages)).toEqual(range(1, 10));
        expect(forward.hasMore).toBe(true);
        expect(seqs((await owner.history(room.id, "?beforeSeq=11&limit=100")).messages)).toEqual(range(1, 10));
        expect(seqs((await owner.history(room.id, "?limit=1")).messages)).toEqual([120]);
        expect((await owner.history(room.id, "?limit=100")).messages).toHaveLength(100);
        expect(await owner.history(room.id, "?afterSeq=120")).toEqual({ messages: [], hasMore: false });
        for (const query of ["limit=0", "limit=101", "limit=abc", "limit=1.5", "beforeSeq=-1", "afterSeq=x"]) {
          expectError(await owner.request("GET", `/api/rooms/${room.id}/messages?${query}`), 400, "invalid_request");
        }
      });
    });

    describe("WebSocket upgrade", () => {
      it("refuses an upgrade without a token or with a bad one with 401", async () => {
        expect(await upgrade(first(), { protocols: ["parley.v1"] })).toMatchObject({ status: 401 });
        expect(await upgrade(first(), { protocols: ["parley.v1", "bearer.garbage"] })).toMatchObject({ status: 401 });
        expect(await upgrade(first(), { headers: { authorization: "Bearer not.a.jwt" } })).toMatchObject({ status: 401 });
      });

      it("refuses a foreign Origin with 403 even with a valid token", async () => {
        const api = new ApiClient(first());
        await api.register(uniqueName());
        const result = await upgrade(first(), { protocols: ["parley.v1", `bearer.${api.token}`], headers: { origin: "http://evil.example" } });
        expect(result).toMatchObject({ status: 403 });
      });

      it("accepts the bearer subprotocol or an Authorization header, answers parley.v1, then says hello", async () => {
        const api = new ApiClient(first());
        const user = await api.register(uniqueName());
        const browser = sockets.add(await api.socket());
        expect(browser.ws.protocol).toBe("parley.v1");
        const hello = await browser.next("hello");
        expect(hello).toMatchObject({ type: "hello", user, worker: expect.any(String), protocol: 1 });
        expect(hello.worker.length).toBeGreaterThan(0);

        const viaHeader = await upgrade(first(), { protocols: ["parley.v1"], headers: { authorization: `Bearer ${api.token}` } });
        if (!("ws" in viaHeader)) throw new Error(`upgrade refused: ${viaHeader.status}`);
        expect(viaHeader.ws.protocol).toBe("parley.v1");
        expect(viaHeader.firstFrame).toMatchObject({ type: "hello", user });
        viaHeader.ws.close();
        const bare = await upgrade(first(), { headers: { authorization: `Bearer ${api.token}` } });
        if (!("ws" in bare)) throw new Error(`upgrade refused: ${bare.status}`);
        expect(bare.firstFrame).toMatchObject({ type: "hello", user });
        bare.ws.close();
      });
    });

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
        for (const frame of frames) expect(frame).toEqual({ type: "suggestion", requestId: "r-1", delta: expect.any(String), done: frame === done, source: expect.any(String) });
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

    // Real-time behaviour between two clients: on one target, then (with two URLs) on two.
    const layouts = [
      { label: "on one target", ends: () => [first(), first()] as const, needs: 1 },
      { label: "across two targets", ends: () => [target().urls[0]!, target().urls[1]!] as const, needs: 2 },
    ];
    for (const layout of layouts) {
      describe(`real time, ${layout.label}`, () => {
        let here: string;
        let there: string;
        beforeEach((ctx) => {
          if (target().urls.length < layout.needs) return ctx.skip();
          [here, there] = layout.ends();
        });

        /** Two members of a fresh room: `alice` (the creator) talks to `here`, `bob` to `there`. */
        async function twoMembers() {
          const alice = new ApiClient(here);
          const aliceUser = await alice.register(uniqueName("alice"));
          const bob = new ApiClient(there);
          const bobUser = await bob.register(uniqueName("bob"));
          const room = await alice.createRoom(uniqueName("Live"));
          await bob.join(room.id);
          return { alice, aliceUser, bob, bobUser, room };
        }

        it("delivers every message once, in seq order, to every subscriber; the sender gets an ack with the stored message", async () => {
          const { alice, bob, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          const b = sockets.add(await bob.socket());
          await a.subscribe(room.id);
          await b.subscribe(room.id);
          const acks = await Promise.all(
            range(1, 10).map((i) => (i % 2 ? a : b).sendMessage(room.id, `message ${i}`, `c-${i}`)),
          );
          const stored = (await alice.history(room.id)).messages;
          expect(seqs(stored)).toEqual(range(1, 10));
          for (const ack of acks) expect(ack.message).toEqual(stored.find((m) => m.id === ack.message.id));
          for (const socket of [a, b]) expect(await socket.waitForMessages(room.id, 10)).toEqual(stored);
          await settle();
          expect(a.messages(room.id)).toHaveLength(10);
          expect(b.messages(room.id)).toHaveLength(10);
        });

        it("delivers messages posted over HTTP to subscribers", async () => {
          const { alice, bob, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          await a.subscribe(room.id);
          const posted = await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "over http" });
          expect((await a.waitForMessages(room.id, 1))[0]).toEqual(posted.json.message);
        });

        it("acks a repeated clientId with the same message and stores it once", async () => {
          const { alice, bob, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          const b = sockets.add(await bob.socket());
          await a.subscribe(room.id);
          await b.subscribe(room.id);
          a.send({ type: "message", roomId: room.id, body: "only once", clientId: "dup" });
          a.send({ type: "message", roomId: room.id, body: "only once", clientId: "dup" });
          await eventually(async () => a.all("ack").length === 2);
          const [ack, repeated] = a.all("ack");
          expect(repeated!.message).toEqual(ack!.message);
          const viaHttp = await new ApiClient(there, alice.token).request("POST", `/api/rooms/${room.id}/messages`, { body: "only once", clientId: "dup" });
          expect(viaHttp.status).toBe(200);
          expect(viaHttp.json.message).toEqual(ack!.message);
          expect((await alice.history(room.id)).messages).toEqual([ack!.message]);
          await settle();
          expect(a.messages(room.id)).toEqual([ack!.message]);
          expect(b.messages(room.id)).toEqual([ack!.message]);
        });

        it("announces presence join with the online list, and leave when the socket closes", async () => {
          const { alice, aliceUser, bob, bobUser, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          expect((await a.subscribe(room.id)).online).toEqual([aliceUser]);
          const b = sockets.add(await bob.socket());
          const subscribed = await b.subscribe(room.id);
          expect(sortById(subscribed.online)).toEqual(sortById([aliceUser, bobUser]));
          const join = await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
          expect(join).toMatchObject({ roomId: room.id, user: bobUser });
          expect(sortById(join.online)).toEqual(sortById([aliceUser, bobUser]));
          expect(sortById((await bob.request("GET", `/api/rooms/${room.id}/presence`)).json.online)).toEqual(sortById([aliceUser, bobUser]));

          await b.close();
          const leave = await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
          expect(leave).toMatchObject({ roomId: room.id, user: bobUser, online: [aliceUser] });
          expect((await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online).toEqual([aliceUser]);
        });

        it("counts two tabs of one user once: closing one sends no leave", async () => {
          const { alice, aliceUser, bob, bobUser, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          await a.subscribe(room.id);
          const tab1 = sockets.add(await new ApiClient(here, bob.token).socket());
          const tab2 = sockets.add(await new ApiClient(there, bob.token).socket());
          await tab1.subscribe(room.id);
          await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
          expect(sortById((await tab2.subscribe(room.id)).online)).toEqual(sortById([aliceUser, bobUser]));
          await tab1.close();
          await settle();
          expect(sortById((await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online)).toEqual(sortById([aliceUser, bobUser]));
          await tab2.close();
          await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
          await settle();
          const aboutBob = a.all("presence").filter((f) => f.user.id === bobUser.id);
          expect(aboutBob.map((f) => f.event)).toEqual(["join", "leave"]);
        });

        it("sends typing to the others in the room, not to the typist", async () => {
          const { alice, bob, bobUser, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          const b = sockets.add(await bob.socket());
          await a.subscribe(room.id);
          await b.subscribe(room.id);
          b.send({ type: "typing", roomId: room.id });
          expect(await a.next("typing")).toEqual({ type: "typing", roomId: room.id, user: bobUser });
          await settle();
          expect(b.all("typing")).toEqual([]);
        });

        it("resumes with afterSeq: exactly the missed messages in order, then live ones, no duplicates", async () => {
          const { alice, bob, room } = await twoMembers();
          const b = sockets.add(await bob.socket());
          await b.subscribe(room.id);
          const before = sockets.add(await new ApiClient(there, alice.token).socket());
          await before.subscribe(room.id);
          for (const i of [1, 2]) await b.sendMessage(room.id, `message ${i}`, `c-${i}`);
          const lastSeen = (await before.waitForMessages(room.id, 2)).at(-1)!.seq;
          await before.close();

          for (const i of range(3, 7)) await b.sendMessage(room.id, `message ${i}`, `c-${i}`);
          const after = sockets.add(await alice.socket()); // the other target when there are two
          const subscribed = await after.subscribe(room.id, lastSeen);
          expect(subscribed).toMatchObject({ lastSeq: 7, limited: false });
          expect((await after.waitForMessages(room.id, 5)).map((m) => m.body)).toEqual(range(3, 7).map((i) => `message ${i}`));
          // The replay comes right after `subscribed`, before anything live.
          const index = after.frames.indexOf(subscribed);
          expect(after.frames.slice(index + 1, index + 6).map((f) => f.type)).toEqual(Array(5).fill("message"));

          for (const i of range(8, 10)) await b.sendMessage(room.id, `message ${i}`, `c-${i}`);
          await after.waitForMessages(room.id, 8);
          await settle();
          expect(seqs(after.messages(room.id))).toEqual(range(3, 10));
        });

        it("resumes without loss or duplicates while messages keep coming", async () => {
          const { alice, bob, room } = await twoMembers();
          const b = sockets.add(await bob.socket());
          await b.subscribe(room.id);
          const total = 40;
          const sending = Promise.all(range(1, total).map((i) => b.sendMessage(room.id, `burst ${i}`, `b-${i}`)));
          await b.waitForMessages(room.id, 10);
          const a = sockets.add(await alice.socket());
          await a.subscribe(room.id, 5);
          await sending;
          await a.waitForMessages(room.id, total - 5);
          await settle();
          expect(seqs(a.messages(room.id))).toEqual(range(6, total));
        });

        it("ends the subscription when the user leaves the room over HTTP: unsubscribed {reason: left}, no more messages", async () => {
          const { alice, aliceUser, bob, room } = await twoMembers();
          const a = sockets.add(await alice.socket());
          const b = sockets.add(await bob.socket());
          await a.subscribe(room.id);
          await b.subscribe(room.id);
          const left = await new ApiClient(there, alice.token).request("POST", `/api/rooms/${room.id}/leave`);
          expect(left.status).toBe(200);
          expect(await a.next("unsubscribed")).toEqual({ type: "unsubscribed", roomId: room.id, reason: "left" });
          await b.next("presence", (f) => f.event === "leave" && f.user.id === aliceUser.id);
          await b.sendMessage(room.id, "after alice left", "c-after");
          await b.waitForMessages(room.id, 1);
          const since = a.frames.length;
          a.send({ type: "message", roomId: room.id, body: "am I still here?", clientId: "c-gone" });
          expect(await nextAfter(a, since, "error")).toMatchObject({ code: "forbidden", clientId: "c-gone" });
          await settle();
          expect(a.messages(room.id)).toEqual([]);
        });
      });
    }
  });
}

/** Closes every socket a test opened, even when it failed. */
function trackSockets() {
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

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function expectRoomShape(room: Room) {
  expect(room).toMatchObject({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/i),
    name: expect.any(String),
    topic: expect.any(String),
    createdBy: expect.any(String),
    createdAt: expect.stringMatching(ISO_UTC),
    memberCount: expect.any(Number),
    onlineCount: expect.any(Number),
  });
}

function expectMessageShape(message: Message) {
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
async function postMany(api: ApiClient, roomId: string, count: number, concurrency = 1) {
  for (let start = 1; start <= count; start += concurrency) {
    const numbers = range(start, Math.min(count, start + concurrency - 1));
    const results = await Promise.all(numbers.map((i) => api.request("POST", `/api/rooms/${roomId}/messages`, { body: `message ${i}`, clientId: `m-${i}` })));
    for (const res of results) if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  }
}

/** A frame of a type received after the first `since` frames. */
function nextAfter<T extends ServerFrame["type"]>(socket: SocketClient, since: number, type: T) {
  return socket.next(type, (f) => socket.frames.indexOf(f) >= since);
}

/** Opens /ws by hand: the refusal's status, or the open socket with its first frame. */
function upgrade(baseUrl: string, options: { protocols?: string[]; headers?: Record<string, string> }) {
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

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await settle(50);
  }
}

/** Gives frames that should not come a chance to arrive. */
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (messages: Message[]) => messages.map((m) => m.seq);
const sortById = <T extends { id: string }>(items: T[]) => [...items].sort((x, y) => x.id.localeCompare(y.id));

