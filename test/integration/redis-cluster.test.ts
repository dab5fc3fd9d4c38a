import type { Message } from "@parley/protocol";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { startRedisCluster, type TestRedisCluster } from "../support/redis-cluster.ts";
import { createTestDatabase, testRedisPrefix, testSecret, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

/** Two worker processes on one PostgreSQL and a 3-master Redis Cluster (REDIS_CLUSTER_NODES). */
describe("two workers on a Redis Cluster", () => {
  let cluster: TestRedisCluster;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: WorkerProcess;
  let b: WorkerProcess;
  let prefix: string;

  beforeAll(async () => {
    [cluster, database] = await Promise.all([startRedisCluster(), createTestDatabase()]);
    const env = {
      DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_PREFIX: (prefix = testRedisPrefix()),
      JWT_SECRET: testSecret(),
      REGISTER_RATE: "1000/60s",
      // The test sends about five a second per user for 12 s: far past the default message rate, which would refuse with rate_limited.
      MESSAGE_RATE: "100000/60s",
    };
    [a, b] = await Promise.all([startWorkerProcess({ ...env, WORKER_ID: "cluster-a" }), startWorkerProcess({ ...env, WORKER_ID: "cluster-b" })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([cluster?.stop(), database?.drop()]);
  });

  /** A user on each worker, both members of a new room and subscribed to it. */
  async function twoUsersInRoom(name: string) {
    const [onA, onB] = [new ApiClient(a.url), new ApiClient(b.url)];
    await onA.register(uniqueName());
    await onB.register(uniqueName());
    const room = await onA.createRoom(uniqueName(name));
    await onB.join(room.id);
    const [socketA, socketB] = await Promise.all([onA.socket(), onB.socket()]);
    await Promise.all([socketA.subscribe(room.id), socketB.subscribe(room.id)]);
    return { room, onA, sockets: [socketA, socketB] as const };
  }

  /** The whole history of a room, page by page. */
  async function fullHistory(api: ApiClient, roomId: string): Promise<Message[]> {
    const all: Message[] = [];
    for (;;) {
      const page = await api.history(roomId, `?limit=100&afterSeq=${all.at(-1)?.seq ?? 0}`);
      all.push(...page.messages);
      if (page.messages.length < 100) return all;
    }
  }

  /** The port of the master owning the slot of the room's bus channel. */
  async function ownerOf(roomId: string): Promise<number> {
    const node = new Redis(cluster.ports[0]!, "127.0.0.1");
    try {
      const slot = (await node.cluster("KEYSLOT", `${prefix}:{r:${roomId}}:bus`)) as number;
      const ranges = (await node.cluster("SLOTS")) as unknown as Array<[number, number, [string, number]]>;
      return ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    } finally {
      node.disconnect();
    }
  }

  it("carries messages across workers, over the shard owning the room's channel only", async () => {
    const { room, sockets } = await twoUsersInRoom("happy");
    const [socketA, socketB] = sockets;
    for (let i = 1; i <= 10; i++) await (i % 2 ? socketA : socketB).sendMessage(room.id, `m${i}`, `happy-${i}`);
    for (const socket of sockets)
      expect((await socket.waitForMessages(room.id, 10)).map((m) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
    // Both workers subscribed with SSUBSCRIBE on the owning master; no node holds a classic channel.
    const owner = await ownerOf(room.id);
    for (const port of cluster.ports) {
      const node = new Redis(port, "127.0.0.1");
      try {
        const channel = `${prefix}:{r:${room.id}}:bus`;
        const [subscribers] = ((await node.call("PUBSUB", "SHARDNUMSUB", channel)) as [string, number]).slice(1);
        expect({ port, subscribers }).toEqual({ port, subscribers: port === owner ? 2 : 0 });
        expect(((await node.call("PUBSUB", "CHANNELS", `${prefix}:*`)) as string[]).length).toBe(0);
      } finally {
        node.disconnect();
      }
    }
    await Promise.all(sockets.map((s) => s.close()));
  });

  it("loses no acked message while the master owning the room is stopped for 10 s; sends meanwhile are acked or refused as retriable", async () => {
    const { room, onA, sockets } = await twoUsersInRoom("outage");
    const owner = cluster.ports.indexOf(await ownerOf(room.id));
    const acked: Message[] = [];
    const refused: Array<{ code: string; retryAfter?: number }> = [];
    let sent = 0;
    /** One send from each worker in turn; every send is answered (ack or error frame) within the client's 10 s. */
    const sendOne = async (socket: SocketClient) => {
      const clientId = `outage-${++sent}`;
      try {
        acked.push((await socket.sendMessage(room.id, clientId, clientId)).message);
      } catch (error) {
        const frame = (error as { frame?: { code: string; retryAfter?: number } }).frame;
        if (!frame) throw error; // no answer at all: a hang
        refused.push(frame);
      }
    };
    const sendFor = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await Promise.all(sockets.map(sendOne));
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    await sendFor(1000);
    await cluster.stopNode(owner);
    await sendFor(10_000);
    await cluster.startNode(owner);
    await sendFor(1000);

    expect(acked.length).toBeGreaterThan(0);
    for (const frame of refused) {
      expect(frame.code).toBe("unavailable");
      expect(frame.retryAfter).toBeGreaterThanOrEqual(1);
    }
    const history = await fullHistory(onA, room.id);
    // Gapless and without duplicates, and every acked message is in it with the seq its ack gave.
    expect(history.map((m) => m.seq)).toEqual(history.map((_, i) => i + 1));
    expect(new Set(history.map((m) => m.body)).size).toBe(history.length);
    const stored = new Map(history.map((m) => [m.body, m.seq]));
    for (const message of acked) expect(stored.get(message.body)).toBe(message.seq);
    // Both workers' subscribers catch up (the hub resyncs from the store once the bus is back), in order, once each.
    for (const socket of sockets) {
      const received = await socket.waitForMessages(room.id, history.length, 20_000);
      expect(received.map((m) => m.seq)).toEqual(history.map((m) => m.seq));
    }
    await Promise.all(sockets.map((s) => s.close()));
  });
});
