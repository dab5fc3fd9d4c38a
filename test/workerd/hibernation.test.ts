import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { createMigratedDatabase, testSecret, uniqueName } from "../support/services.ts";
import { startWranglerDev, wranglerInstalled, type WranglerDev } from "../support/wrangler-process.ts";
import { MAX_ROOMS_PER_SOCKET } from "../../worker/src/workerd/upgrade-websocket.ts";
import { range, seqs, settle, trackSockets } from "../conformance/suite/support.ts";

/**
 * Gateways with GATEWAY_HIBERNATION=on under `wrangler dev`: client sockets taken with the Hibernation
 * API, each connection's state in its socket's attachment. `/_gateway/<n>/_debug/evict` (GATEWAY_DEBUG)
 * drops gateway n's instance as an eviction does and wakes a new one, which resumes the sockets.
 */
const installed = wranglerInstalled();

let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
let workers: WranglerDev;

/** A base URL whose requests all go to gateway `n`. */
const pinned = (n: number) => `${workers.url}/_gateway/${n}`;

describe.skipIf(!installed)("wrangler dev, GATEWAY_HIBERNATION=on", () => {
  beforeAll(async () => {
    database = await createMigratedDatabase();
    workers = await startWranglerDev(database.url, {
      JWT_SECRET: testSecret(),
      REGISTER_RATE: "10000/60s",
      MESSAGE_RATE: "100000/60s",
      ROOM_RATE: "1000/60s",
      LOG_LEVEL: "warn",
      SUGGEST_ENGINE: "builtin",
      WORKER_ID: "workerd",
      GATEWAY_SHARDS: "4",
      GATEWAY_DEBUG: "on",
      GATEWAY_HIBERNATION: "on",
    });
  }, 120_000);

  afterAll(async () => {
    await workers?.stop();
    await database?.drop();
  });

  describe("gateways hibernating their clients' sockets", () => {
    const sockets = trackSockets();
    /** Evicts gateway `n`: the ids of the instance dropped and of the one woken in its place. */
    const evict = async (n: number) => (await fetch(`${pinned(n)}/_debug/evict`, { method: "POST" })).json() as Promise<{ evicted: string; woken: string }>;

    it("keeps a client's socket through an eviction: it gets what is sent afterwards once each, in order, and still sends", async () => {
      const alice = new ApiClient(pinned(0));
      await alice.register(uniqueName("alice"));
      const bob = new ApiClient(pinned(1));
      await bob.register(uniqueName("bob"));
      const room = await alice.createRoom(uniqueName("Evict"));
      const quiet = await alice.createRoom(uniqueName("Quiet"));
      await bob.join(room.id);
      const a = sockets.add(await alice.socket());
      const b = sockets.add(await bob.socket());
      await a.subscribe(room.id);
      await a.subscribe(quiet.id);
      await b.subscribe(room.id);
      for (const i of range(1, 3)) await b.sendMessage(room.id, `before ${i}`, `before-${i}`);
      await a.waitForMessages(room.id, 3);

      const { evicted, woken } = await evict(0);
      expect(evicted).toMatch(/^g0-/);
      expect(woken).toMatch(/^g0-/);
      expect(woken).not.toBe(evicted);
      for (const i of range(1, 5)) await b.sendMessage(room.id, `after ${i}`, `after-${i}`);
      const stored = (await bob.history(room.id)).messages;
      expect(seqs(stored)).toEqual(range(1, 8));
      expect(await a.waitForMessages(room.id, 8)).toEqual(stored);

      // The same socket sends, on the woken instance, into both rooms it was subscribed to.
      const ack = await a.sendMessage(room.id, "still here", "still-1");
      expect(ack.message.seq).toBe(9);
      expect((await b.waitForMessages(room.id, 9)).at(-1)).toEqual(ack.message);
      expect((await a.sendMessage(quiet.id, "quiet too", "quiet-1")).message.seq).toBe(1);
      await settle();
      expect(seqs(a.messages(room.id))).toEqual(range(1, 9));
      expect(a.messages(quiet.id)).toHaveLength(1);
      // Resumed quietly: the client was told of each subscription once, before the eviction.
      expect(a.all("subscribed").map((f) => f.roomId)).toEqual([room.id, quiet.id]);
      expect(a.all("hello")).toHaveLength(1);
    });

    it("resumes every socket of the gateway, and a second eviction too", async () => {
      const alice = new ApiClient(pinned(2));
      await alice.register(uniqueName("alice"));
      const room = await alice.createRoom(uniqueName("Twice"));
      const first = sockets.add(await alice.socket());
      const second = sockets.add(await alice.socket());
      await first.subscribe(room.id);
      await second.subscribe(room.id);
      await first.sendMessage(room.id, "one", "twice-1");
      await evict(2);
      await second.sendMessage(room.id, "two", "twice-2");
      await evict(2);
      await first.sendMessage(room.id, "three", "twice-3");
      const stored = (await alice.history(room.id)).messages;
      for (const socket of [first, second]) expect(await socket.waitForMessages(room.id, 3)).toEqual(stored);
      await settle();
      for (const socket of [first, second]) expect(socket.messages(room.id)).toHaveLength(3);
    });

    it(`refuses a subscription past what a socket's attachment holds (${MAX_ROOMS_PER_SOCKET} rooms)`, async () => {
      const alice = new ApiClient(pinned(3));
      await alice.register(uniqueName("alice"));
      const rooms = [];
      for (const i of range(0, MAX_ROOMS_PER_SOCKET)) rooms.push(await alice.createRoom(uniqueName(`Many${i}`)));
      const a = sockets.add(await alice.socket());
      for (const room of rooms.slice(0, MAX_ROOMS_PER_SOCKET)) await a.subscribe(room.id);
      const extra = rooms.at(-1)!;
      a.send({ type: "subscribe", roomId: extra.id });
      expect(await a.next("error")).toMatchObject({ code: "too_large", roomId: extra.id });
      // Leaving one makes room for another.
      a.send({ type: "unsubscribe", roomId: rooms[0]!.id });
      await a.next("unsubscribed");
      await a.subscribe(extra.id);
    });
  });
});
