import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { createMigratedDatabase, testSecret, uniqueName } from "../support/services.ts";
import { startWranglerDev, wranglerInstalled, type WranglerDev } from "../support/wrangler-process.ts";
import { realtimeTests } from "../conformance/suite/realtime.ts";
import { eventually, range, seqs, settle, sortById, trackSockets } from "../conformance/suite/support.ts";

/**
 * The Workers design under `wrangler dev`: gateway objects (users sharded over GATEWAY_SHARDS) and one
 * room object per room between them. Users on different gateways only meet through room objects, so
 * every check here crosses one. GATEWAY_DEBUG=on opens `/_gateway/<n>/` (pin a client to gateway n),
 * `/_debug/rooms/<id>` (a room object's status) and `/_debug/gateways/<n>/abort` (kill a gateway).
 */
const installed = wranglerInstalled();
const SHARDS = 4;

let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
let workers: WranglerDev;

/** A base URL whose requests all go to gateway `n`. */
const pinned = (n: number) => `${workers.url}/_gateway/${n}`;

interface RoomStatus {
  instance: string;
  sockets: number;
  gateways: string[];
  online: number;
}
const roomStatus = async (roomId: string): Promise<RoomStatus> => (await fetch(`${workers.url}/_debug/rooms/${roomId}`)).json() as Promise<RoomStatus>;

describe.skipIf(!installed)("wrangler dev: gateways and room objects", () => {
  beforeAll(async () => {
    database = await createMigratedDatabase();
    workers = await startWranglerDev(database.url, {
      JWT_SECRET: testSecret(),
      REGISTER_RATE: "10000/60s",
      MESSAGE_RATE: "100000/60s",
      LOG_LEVEL: "warn",
      SUGGEST_ENGINE: "builtin",
      WORKER_ID: "workerd",
      GATEWAY_SHARDS: String(SHARDS),
      GATEWAY_DEBUG: "on",
    });
  }, 120_000);

  afterAll(async () => {
    await workers?.stop();
    await database?.drop();
  });

  describe("users routed by the hash of their id", () => {
    const sockets = trackSockets();

    /** The gateway that serves a user's requests (x-served-by: workerd-g<n>). */
    const gatewayOf = async (api: ApiClient) => (await api.request("GET", "/api/me")).headers.get("x-served-by")!;

    /** alice, and a bob whose id hashes to another gateway, both members of a fresh room. */
    async function onTwoGateways() {
      const alice = new ApiClient(workers.url);
      const aliceUser = await alice.register(uniqueName("alice"));
      const aliceGateway = await gatewayOf(alice);
      for (let attempt = 0; attempt < 30; attempt++) {
        const bob = new ApiClient(workers.url);
        const bobUser = await bob.register(uniqueName("bob"));
        const bobGateway = await gatewayOf(bob);
        if (bobGateway === aliceGateway) continue;
        const room = await alice.createRoom(uniqueName("Gw"));
        await bob.join(room.id);
        return { alice, aliceUser, aliceGateway, bob, bobUser, bobGateway, room };
      }
      throw new Error("every user landed on one gateway: is GATEWAY_SHARDS > 1?");
    }

    it("sends one user's HTTP requests and sockets to one gateway, and spreads users over several", async () => {
      const { alice, aliceGateway, bob, bobGateway } = await onTwoGateways();
      expect(aliceGateway).toMatch(/^workerd-g[0-3]$/);
      expect(bobGateway).not.toBe(aliceGateway);
      const a = sockets.add(await alice.socket());
      const b = sockets.add(await bob.socket());
      expect(a.frames[0]).toMatchObject({ type: "hello", worker: aliceGateway });
      expect(b.frames[0]).toMatchObject({ type: "hello", worker: bobGateway });
      expect(await gatewayOf(alice)).toBe(aliceGateway);
    });

    it("delivers messages across gateways once each, in order, with gapless seqs; typing and presence too", async () => {
      const { alice, aliceUser, bob, bobUser, room } = await onTwoGateways();
      const a = sockets.add(await alice.socket());
      expect((await a.subscribe(room.id)).online).toEqual([aliceUser]);
      const b = sockets.add(await bob.socket());
      expect((await b.subscribe(room.id)).online).toHaveLength(2);
      const join = await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
      expect(join.online!.map((u: User) => u.id).sort()).toEqual([aliceUser.id, bobUser.id].sort());

      // Both send at once, each from its own gateway: the room's order is the database's.
      await Promise.all(range(1, 30).map((i) => (i % 2 ? a : b).sendMessage(room.id, `message ${i}`, `c-${i}`)));
      const stored = (await alice.history(room.id)).messages;
      expect(seqs(stored)).toEqual(range(1, 30));
      for (const socket of [a, b]) expect(await socket.waitForMessages(room.id, 30)).toEqual(stored);

      b.send({ type: "typing", roomId: room.id });
      expect(await a.next("typing")).toEqual({ type: "typing", roomId: room.id, user: bobUser });

      await b.close();
      const leave = await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
      expect(leave.online).toEqual([aliceUser]);
      await settle();
      expect(a.messages(room.id)).toHaveLength(30);
      expect(b.all("typing")).toEqual([]);
    });

    it("keeps the gateways' sockets in the room object (Hibernation API), and presence with them", async () => {
      const { alice, bob, room } = await onTwoGateways();
      const a = sockets.add(await alice.socket());
      const b = sockets.add(await bob.socket());
      await a.subscribe(room.id);
      await b.subscribe(room.id);
      const status = await roomStatus(room.id);
      expect(status).toMatchObject({ sockets: 2, online: 2 });
      expect(status.gateways).toHaveLength(2);
      // A gateway with no subscriber left in the room closes its socket to the room object.
      await b.close();
      await eventually(async () => (await roomStatus(room.id)).sockets === 1);
      await a.close();
      await eventually(async () => (await roomStatus(room.id)).sockets === 0);
      expect((await roomStatus(room.id)).online).toBe(0);
    });
  });

  describe("room objects hibernating", () => {
    const sockets = trackSockets();

    it("keeps the sockets and presence of an idle room object evicted from memory, and relays after it wakes", async () => {
      const alice = new ApiClient(pinned(0));
      const aliceUser = await alice.register(uniqueName("alice"));
      const bob = new ApiClient(pinned(1));
      const bobUser = await bob.register(uniqueName("bob"));
      const room = await alice.createRoom(uniqueName("Idle"));
      await bob.join(room.id);
      const a = sockets.add(await alice.socket());
      const b = sockets.add(await bob.socket());
      await a.subscribe(room.id);
      await b.subscribe(room.id);
      const before = await roomStatus(room.id);
      // workerd evicts an idle object holding only hibernatable sockets after about 10 s.
      await settle(15_000);
      const after = await roomStatus(room.id);
      expect(after.instance).not.toBe(before.instance);
      expect(after).toMatchObject({ sockets: 2, online: 2 });
      const ack = await b.sendMessage(room.id, "after a nap", "nap-1");
      expect((await a.waitForMessages(room.id, 1))[0]).toEqual(ack.message);
      expect(sortById((await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online)).toEqual(sortById([aliceUser, bobUser]));
    }, 40_000);

    it("reopens the gateways' sockets after the room object drops them, and misses no message", async () => {
      const alice = new ApiClient(pinned(0));
      await alice.register(uniqueName("alice"));
      const bob = new ApiClient(pinned(2));
      await bob.register(uniqueName("bob"));
      const room = await alice.createRoom(uniqueName("Reset"));
      await bob.join(room.id);
      const a = sockets.add(await alice.socket());
      const b = sockets.add(await bob.socket());
      await a.subscribe(room.id);
      await b.subscribe(room.id);
      await fetch(`${workers.url}/_debug/rooms/${room.id}/reset`, { method: "POST" });
      // Posted while the sockets are down: relayed once they are back, or read from the store by the resync.
      const during = await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "during the outage", clientId: "out-1" });
      expect(during.status).toBe(201);
      await eventually(async () => (await roomStatus(room.id)).sockets === 2);
      const after = await b.sendMessage(room.id, "after the outage", "out-2");
      expect(await a.waitForMessages(room.id, 2, 15_000)).toEqual([during.json.message, after.message]);
      expect((await roomStatus(room.id)).online).toBe(2);
    });
  });

  describe("a user pinned to several gateways", () => {
    const sockets = trackSockets();

    it("signs out everywhere: the token's sockets close on every gateway, and every gateway refuses it", async () => {
      const alice = new ApiClient(workers.url);
      await alice.register(uniqueName("alice"));
      const open: SocketClient[] = [];
      for (const n of range(0, SHARDS - 1)) open.push(sockets.add(await new ApiClient(pinned(n), alice.token).socket()));
      expect(new Set(open.map((s) => (s.frames[0] as { worker: string }).worker)).size).toBe(SHARDS);
      const logout = await new ApiClient(pinned(0), alice.token).request("POST", "/api/auth/logout");
      expect(logout.status).toBe(200);
      for (const socket of open) expect((await socket.waitClose()).code).toBe(1008);
      for (const n of range(0, SHARDS - 1)) {
        await eventually(async () => (await new ApiClient(pinned(n), alice.token).request("GET", "/api/me")).status === 401, 5000);
      }
    });

    it("signs a user out everywhere (logout-all): both sessions' sockets close on every gateway, every gateway refuses both tokens", async () => {
      const username = uniqueName("all");
      const first = new ApiClient(workers.url);
      await first.register(username);
      const second = (await new ApiClient(workers.url).request("POST", "/api/auth/login", { username, password: "correct horse battery" })).json
        .token as string;
      const tokens = [first.token!, second];
      const open: SocketClient[] = [];
      for (const token of tokens) for (const n of range(0, SHARDS - 1)) open.push(sockets.add(await new ApiClient(pinned(n), token).socket()));
      const res = await new ApiClient(pinned(1), second).request("POST", "/api/auth/logout-all");
      expect(res.status).toBe(200);
      for (const socket of open) expect(await socket.waitClose()).toEqual({ code: 1008, reason: "signed out" });
      for (const token of tokens) {
        for (const n of range(0, SHARDS - 1)) {
          await eventually(async () => (await new ApiClient(pinned(n), token).request("GET", "/api/me")).status === 401, 5000);
        }
      }
    });

    it("announces the users of a gateway that dies as gone, through the room object", async () => {
      const alice = new ApiClient(pinned(0));
      const aliceUser = await alice.register(uniqueName("alice"));
      const bob = new ApiClient(pinned(3));
      const bobUser = await bob.register(uniqueName("bob"));
      const room = await alice.createRoom(uniqueName("Crash"));
      await bob.join(room.id);
      const a = sockets.add(await alice.socket());
      await a.subscribe(room.id);
      const b = sockets.add(await bob.socket());
      await b.subscribe(room.id);
      await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);

      await fetch(`${workers.url}/_debug/gateways/3/abort`, { method: "POST" });
      expect((await b.waitClose()).code).not.toBe(1000);
      const leave = await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
      expect(leave.online).toEqual([aliceUser]);
      expect((await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online).toEqual([aliceUser]);
      // The gateway comes back on the next request, as a new instance.
      const again = sockets.add(await bob.socket());
      await again.subscribe(room.id);
      await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id && a.all("presence").indexOf(f) > a.all("presence").indexOf(leave));
    });
  });

  // The conformance suite's real-time tests with their two clients on gateways 1 and 2.
  describe("conformance real time, clients pinned to two gateways", () => {
    realtimeTests({ first: () => pinned(1), target: () => ({ urls: [pinned(1), pinned(2)] }), sockets: trackSockets() });
  });
});
