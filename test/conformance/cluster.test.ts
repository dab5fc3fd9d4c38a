import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { startS3Server, type S3Server } from "../support/s3-server.ts";
import { conformanceSuite } from "./suite/index.ts";
import { CONFORMANCE_ADMIN } from "./suite/access-support.ts";
import { CONFORMANCE_UPLOAD_ENV } from "./suite/uploads.ts";

/**
 * Two worker processes sharing PostgreSQL and Redis, driven through both: the conformance suite with
 * its clients spread over the two, then what only a cluster has: cross-worker delivery and presence,
 * durability in PostgreSQL, and a worker killed with SIGKILL.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: postgres.Sql;
let env: Record<string, string>;
let a: WorkerProcess;
let b: WorkerProcess;
let s3: S3Server;

beforeAll(async () => {
  // Files in S3 (s3rver here): uploaded through one worker, downloaded through the other.
  [database, s3] = await Promise.all([createTestDatabase(), startS3Server()]);
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  env = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: testRedisPrefix(),
    JWT_SECRET: testSecret(),
    // A dead worker's users leave presence when their entries expire (the TTL) and the next sweep
    // (every 5 s) sees it. 6 s keeps the SIGKILL test short; the default TTL (20 s, config.ts) plus
    // one sweep stays within the 30 s docs/protocol.md allows.
    PRESENCE_TTL_SECONDS: "6",
    REGISTER_RATE: "10000/60s",
    MESSAGE_RATE: "100000/60s",
    ADMIN_USERNAMES: CONFORMANCE_ADMIN,
    ...CONFORMANCE_UPLOAD_ENV,
    ...s3.env,
  };
  // One after the other: the first applies the migrations.
  a = await startWorkerProcess({ ...env, WORKER_ID: "cluster-a" });
  b = await startWorkerProcess({ ...env, WORKER_ID: "cluster-b" });
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await sql?.end();
  await database?.drop();
  await s3?.stop();
  if (env) await deleteRedisKeys(env.REDIS_PREFIX!).catch(() => {});
});

conformanceSuite("two workers on PostgreSQL and Redis", () => ({ urls: [a.url, b.url] }));

describe("a cluster of workers", () => {
  const open: SocketClient[] = [];
  const track = (socket: SocketClient) => (open.push(socket), socket);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
  });

  /** A user registered on `url`, with a client for each worker. */
  async function member(url: string, roomId?: string) {
    const api = new ApiClient(url);
    const user = await api.register(uniqueName());
    if (roomId) await api.join(roomId);
    return { user, on: (worker: WorkerProcess) => new ApiClient(worker.url, api.token) };
  }

  it("has two distinct workers that accept each other's tokens", async () => {
    const { user, on } = await member(a.url);
    const fromA = await on(a).request("GET", "/api/me");
    const fromB = await on(b).request("GET", "/api/me");
    expect(fromB.json).toEqual({ user });
    expect(fromA.headers.get("x-served-by")).toBe("cluster-a");
    expect(fromB.headers.get("x-served-by")).toBe("cluster-b");
    expect((await track(await on(b).socket()).next("hello")).worker).toBe("cluster-b");
  });

  it("delivers a message sent on worker A to a subscriber on worker B, and back", async () => {
    const owner = await member(a.url);
    const room = await owner.on(a).createRoom(uniqueName("Cross"));
    const other = await member(b.url, room.id);
    const onA = track(await owner.on(a).socket());
    const onB = track(await other.on(b).socket());
    await onA.subscribe(room.id);
    await onB.subscribe(room.id);
    const fromA = await onA.sendMessage(room.id, "from A", "a-1");
    expect(fromA.message.seq).toBe(1);
    expect((await onB.waitForMessages(room.id, 1))[0]).toEqual(fromA.message);
    const fromB = await onB.sendMessage(room.id, "from B", "b-1");
    expect(fromB.message.seq).toBe(2);
    expect(await onA.waitForMessages(room.id, 2)).toEqual([fromA.message, fromB.message]);
  });

  it("shares presence: worker B lists a user connected to worker A", async () => {
    const owner = await member(a.url);
    const room = await owner.on(a).createRoom(uniqueName("Shared"));
    const viewer = await member(b.url, room.id);
    const socket = track(await owner.on(a).socket());
    await socket.subscribe(room.id);
    const api = viewer.on(b);
    expect((await api.request("GET", `/api/rooms/${room.id}/presence`)).json).toEqual({ online: [owner.user] });
    expect((await api.request("GET", `/api/rooms/${room.id}`)).json).toMatchObject({ room: { onlineCount: 1 }, online: [owner.user] });
    const members = (await api.request("GET", `/api/rooms/${room.id}/members`)).json.members as Array<{ id: string; online: boolean }>;
    expect(Object.fromEntries(members.map((m) => [m.id, m.online]))).toEqual({ [owner.user.id]: true, [viewer.user.id]: false });
    const listed = (await api.request("GET", `/api/rooms?q=${room.name}`)).json.rooms;
    expect(listed).toMatchObject([{ id: room.id, onlineCount: 1, memberCount: 2 }]);
    await socket.close();
    await eventually(async () => (await api.request("GET", `/api/rooms/${room.id}/presence`)).json.online.length === 0);
  });

  it("keeps everything in PostgreSQL, with seqs 1..n and no gap under concurrent sends on both workers", async () => {
    const owner = await member(a.url);
    const room = await owner.on(a).createRoom(uniqueName("Durable"));
    const other = await member(b.url, room.id);
    const socket = track(await owner.on(a).socket());
    const count = 30;
    await Promise.all([
      ...range(1, count).map((i) => socket.sendMessage(room.id, `ws ${i}`, `ws-${i}`)),
      ...range(1, count).map((i) => other.on(b).request("POST", `/api/rooms/${room.id}/messages`, { body: `http ${i}`, clientId: `http-${i}` })),
    ]);

    const users = await sql`select id, username, username_key from users where id in ${sql([owner.user.id, other.user.id])} order by username`;
    expect(users.map((u) => ({ id: u.id, username: u.username, key: u.username_key }))).toEqual(
      [owner.user, other.user].sort((x, y) => x.username.localeCompare(y.username)).map((u) => ({ ...u, key: u.username.toLowerCase() })),
    );
    const [stored] = await sql`select name, created_by, member_count, last_seq::int as last_seq from rooms join room_seq on room_id = id where id = ${room.id}`;
    expect(stored).toEqual({ name: room.name, created_by: owner.user.id, member_count: 2, last_seq: 2 * count });
    const memberships = await sql`select user_id from memberships where room_id = ${room.id}`;
    expect(memberships.map((m) => m.user_id).sort()).toEqual([owner.user.id, other.user.id].sort());
    const messages = await sql`select seq::int as seq, user_id, body, client_id from messages where room_id = ${room.id} order by seq`;
    expect(messages.map((m) => m.seq)).toEqual(range(1, 2 * count));
    expect(messages.map((m) => m.client_id).sort()).toEqual([...range(1, count).map((i) => `ws-${i}`), ...range(1, count).map((i) => `http-${i}`)].sort());
    for (const m of messages) expect(m.user_id).toBe(m.client_id.startsWith("ws-") ? owner.user.id : other.user.id);
    expect((await owner.on(b).history(room.id, "?limit=100")).messages.map((m) => m.body)).toEqual(messages.map((m) => m.body));
  });

  it("survives a worker killed with SIGKILL: its users leave presence within 30 s, and resume elsewhere without loss", async () => {
    const c = await startWorkerProcess({ ...env, WORKER_ID: "cluster-c" });
    try {
      const y = await member(a.url);
      const room = await y.on(a).createRoom(uniqueName("Crash"));
      const x = await member(c.url, room.id);
      const ySocket = track(await y.on(a).socket());
      await ySocket.subscribe(room.id);
      const xSocket = track(await x.on(c).socket());
      expect((await xSocket.next("hello")).worker).toBe("cluster-c");
      await xSocket.subscribe(room.id);
      await ySocket.next("presence", (f) => f.event === "join" && f.user.id === x.user.id);
      expect((await y.on(a).request("GET", `/api/rooms/${room.id}/presence`)).json.online).toContainEqual(x.user);

      // Acknowledged means stored: X's last message outlives its worker.
      const last = await xSocket.sendMessage(room.id, "just before the crash", "x-last");
      const lastSeen = (await xSocket.waitForMessages(room.id, 1)).at(-1)!.seq;
      const killedAt = Date.now();
      await c.kill();
      expect((await xSocket.waitClose()).code).toBe(1006);

      const missed = [];
      for (const i of range(1, 5)) missed.push((await ySocket.sendMessage(room.id, `while X is away ${i}`, `y-${i}`)).message);
      await ySocket.next("presence", (f) => f.event === "leave" && f.user.id === x.user.id, 30_000);
      const leaveMs = Date.now() - killedAt;
      console.info(`presence leave of a SIGKILLed worker's user after ${leaveMs} ms`);
      expect(leaveMs).toBeLessThan(30_000);
      expect((await y.on(b).request("GET", `/api/rooms/${room.id}/presence`)).json.online).toEqual([y.user]);
      for (const i of range(6, 7)) missed.push((await ySocket.sendMessage(room.id, `while X is away ${i}`, `y-${i}`)).message);

      const back = track(await x.on(a).socket());
      expect(await back.subscribe(room.id, lastSeen)).toMatchObject({ lastSeq: lastSeen + missed.length, limited: false });
      expect(await back.waitForMessages(room.id, missed.length)).toEqual(missed);
      const live = await ySocket.sendMessage(room.id, "welcome back", "y-live");
      await back.waitForMessages(room.id, missed.length + 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(back.messages(room.id)).toEqual([...missed, live.message]);
      expect(ySocket.messages(room.id)).toEqual([last.message, ...missed, live.message]);
    } finally {
      await c.kill();
    }
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
