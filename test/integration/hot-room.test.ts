import { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOf } from "../../worker/src/messages/rendezvous.ts";
import { busChannel } from "../../worker/src/node/redis-bus.ts";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/**
 * Three worker processes writing into one room: each room's sends are stored by the worker that
 * owns it (docs/cluster.md), the others forward them over Redis. Whatever the route, every
 * acknowledged send is stored once, seqs have no gap, and every subscriber gets each message once,
 * in order; also when the owner is SIGKILLed in the middle of the sending.
 */
const IDS = ["hot-a", "hot-b", "hot-c"];
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: postgres.Sql;
let env: Record<string, string>;
const workers = new Map<string, WorkerProcess>();
const sockets: SocketClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  env = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: testRedisPrefix(),
    JWT_SECRET: testSecret(),
    REGISTER_RATE: "10000/60s",
    MESSAGE_RATE: "100000/60s",
    FRAME_RATE: "100000/60s",
    WRITE_FORWARD_TIMEOUT_MS: "500",
  };
  // One after the other: the first applies the migrations.
  for (const id of IDS) workers.set(id, await startWorkerProcess({ ...env, WORKER_ID: id }));
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await Promise.all([...workers.values()].map((w) => w.stop()));
  await sql?.end();
  await database?.drop();
  if (env) await deleteRedisKeys(env.REDIS_PREFIX!).catch(() => {});
});

/** A room created on the first worker, and a member of it connected and subscribed on each of `on`. */
async function roomWithMembers(on: string[]) {
  const creator = new ApiClient(workers.get(on[0]!)!.url);
  await creator.register(uniqueName("hot"));
  const room = await creator.createRoom(uniqueName("Hot"));
  const members = [];
  for (const id of on) {
    const api = new ApiClient(workers.get(id)!.url);
    await api.register(uniqueName("hot"));
    await api.join(room.id);
    const socket = await api.socket();
    sockets.push(socket);
    expect((await socket.next("hello")).worker).toBe(id);
    await socket.subscribe(room.id);
    members.push({ id, socket });
  }
  return { roomId: room.id, members };
}

/** Sends `count` messages on a socket, `window` at a time; resolves with the acked clientIds. */
async function sendLoop(socket: SocketClient, roomId: string, tag: string, count: number, window = 4, between?: (n: number) => Promise<void>) {
  const acked: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count) {
        const clientId = `${tag}-${next++}`;
        await socket.sendMessage(roomId, `message ${clientId}`, clientId);
        acked.push(clientId);
        await between?.(acked.length);
      }
    }),
  );
  return acked;
}

const storedRows = (roomId: string) => sql`select seq::int as seq, client_id from messages where room_id = ${roomId} order by seq`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a hot room on three workers", () => {
  it("stores sends from every worker once, on the room's owner, gapless, and delivers each once everywhere", async () => {
    const { roomId, members } = await roomWithMembers(IDS);
    const owner = ownerOf(roomId, IDS)!;
    // Count the forwards that reach the owner's inbox, straight from Redis.
    const listener = new Redis(TEST_REDIS_URL);
    let forwards = 0;
    await listener.subscribe(busChannel(env.REDIS_PREFIX!, `_w:${owner}`));
    listener.on("message", (_channel, text: string) => (JSON.parse(text).event.kind === "append" ? forwards++ : 0));
    try {
      const perWorker = 40;
      const acked = (await Promise.all(members.map((m) => sendLoop(m.socket, roomId, m.id, perWorker)))).flat();
      const rows = await storedRows(roomId);
      expect(rows.map((r) => r.seq)).toEqual(range(1, IDS.length * perWorker));
      expect(rows.map((r) => r.client_id).sort()).toEqual(acked.sort());
      for (const m of members) {
        const seqs = (await m.socket.waitForMessages(roomId, rows.length)).map((message) => message.seq);
        expect(seqs).toEqual(range(1, rows.length));
      }
      // The two other workers forwarded their users' sends; the owner's own users needed no hop.
      expect(forwards).toBeGreaterThan(0);
    } finally {
      listener.disconnect();
    }
  });

  it("loses no acknowledged send when the room's owner is SIGKILLed mid-run", async () => {
    // A room owned by a worker none of the senders is on, so killing it ends no sender's socket.
    let room: Awaited<ReturnType<typeof roomWithMembers>>;
    let owner: string;
    do {
      const senders = IDS.slice(0, 2);
      room = await roomWithMembers(senders);
      owner = ownerOf(room.roomId, IDS)!;
    } while (owner !== "hot-c");
    const { roomId, members } = room;
    let killed: Promise<void> | undefined;
    const perWorker = 60;
    const acked = (
      await Promise.all(
        members.map((m) =>
          sendLoop(m.socket, roomId, m.id, perWorker, 4, async (n) => {
            // A third of the way in, the owner dies with forwards in flight.
            if (n === perWorker / 3) killed ??= workers.get(owner)!.kill();
          }),
        ),
      )
    ).flat();
    await killed;
    workers.delete(owner);
    const rows = await storedRows(roomId);
    expect(rows.map((r) => r.seq)).toEqual(range(1, members.length * perWorker));
    expect(rows.map((r) => r.client_id).sort()).toEqual(acked.sort());
    for (const m of members) expect((await m.socket.waitForMessages(roomId, rows.length)).map((message) => message.seq)).toEqual(range(1, rows.length));
  });
});
