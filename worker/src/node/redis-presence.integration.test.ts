import type { User } from "@parley/protocol";
import { silentLogger } from "@parley/common";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REDIS_KINDS, useRedisBackend } from "../../../test/support/redis-backends.ts";
import { testRedisPrefix } from "../../../test/support/services.ts";
import { presenceContract } from "../ports/presence.contract.ts";
import { RedisPresence } from "./redis-presence.ts";

for (const kind of REDIS_KINDS) {
  describe(`RedisPresence on ${kind} Redis`, () => {
    const redis = useRedisBackend(kind);
    /** The keys under `<prefix>:` on every node. */
    const keysOf = async (prefix: string) => (await redis().eachNode((node) => node.keys(`${prefix}:*`))).flat().sort();
    /** A factory connection for reading the layout directly (the caller disconnects it). */
    const admin = () => redis().connect("presence-admin");

    presenceContract(`RedisPresence (${kind})`, async () => {
      const prefix = testRedisPrefix();
      const presence = new RedisPresence(redis().connect("presence-w1"), prefix, "w1", 60_000, silentLogger);
      return {
        presence,
        async cleanup() {
          await presence.close();
          await redis().deleteKeys(prefix);
        },
      };
    });

    describe("RedisPresence across workers", () => {
      const TTL = 60_000;
      const start = Date.UTC(2026, 0, 1);
      let time: number;
      let prefix: string;
      let room: string;
      let w1: RedisPresence;
      let w2: RedisPresence;
      const alice: User = { id: crypto.randomUUID(), username: "alice" };
      const bob: User = { id: crypto.randomUUID(), username: "bob" };

      beforeEach(() => {
        time = start;
        prefix = testRedisPrefix();
        room = crypto.randomUUID();
        // Both workers read one simulated clock; their real heartbeat timers (every ttl/3 = 20 s) never fire in a test.
        w1 = new RedisPresence(redis().connect("presence-w1"), prefix, "w1", TTL, silentLogger, () => time);
        w2 = new RedisPresence(redis().connect("presence-w2"), prefix, "w2", TTL, silentLogger, () => time);
      });
      afterEach(async () => {
        await Promise.all([w1.close(), w2.close()]);
        await redis().deleteKeys(prefix);
        expect(await keysOf(prefix)).toEqual([]);
      });

      it("keeps a user on two workers online until the last worker removes them", async () => {
        expect(await w1.add(room, alice)).toBe(true);
        expect(await w2.add(room, alice)).toBe(false);
        expect(await w1.remove(room, alice)).toBe(false);
        expect(await w2.online(room)).toEqual([alice]);
        expect(await w2.remove(room, alice)).toBe(true);
        expect(await w1.online(room)).toEqual([]);
      });

      it("lists a user present on two workers once", async () => {
        await w2.add(room, bob);
        await w1.add(room, alice);
        await w2.add(room, alice);
        for (const w of [w1, w2]) {
          expect(await w.online(room)).toEqual([alice, bob]);
          expect(await w.onlineCounts([room])).toEqual(new Map([[room, 2]]));
        }
      });

      it("expires a dead worker's users: one sweep reports each once", async () => {
        const other = crypto.randomUUID();
        await w1.add(room, alice);
        await w1.add(other, alice);
        await w1.add(room, bob);
        time += TTL + 1;
        expect(await w2.online(room)).toEqual([]);
        const gone = await w2.sweep();
        const key = (g: { roomId: string; user: User }) => `${g.roomId}/${g.user.username}`;
        expect(gone.map(key).sort()).toEqual([`${other}/alice`, `${room}/alice`, `${room}/bob`].sort());
        expect(gone.find((g) => g.user.id === alice.id)?.user).toEqual(alice);
        expect(await w2.sweep()).toEqual([]);
        expect(await w1.sweep()).toEqual([]);
        expect(await w2.online(room)).toEqual([]);
        expect(await w2.onlineCounts([room, other])).toEqual(
          new Map([
            [room, 0],
            [other, 0],
          ]),
        );
      });

      it("does not sweep a user who is still live on another worker", async () => {
        await w1.add(room, alice);
        await w1.add(room, bob);
        time += TTL / 2;
        expect(await w2.add(room, alice)).toBe(false);
        time += TTL / 2 + 1; // w1's entries are past their expiry, w2's are not
        expect(await w2.sweep()).toEqual([{ roomId: room, user: bob }]);
        expect(await w2.online(room)).toEqual([alice]);
        expect(await w2.remove(room, alice)).toBe(true);
      });

      it("counts a dead worker's user coming back on another worker as a fresh arrival", async () => {
        await w1.add(room, alice);
        time += TTL + 1;
        expect(await w2.add(room, alice)).toBe(true);
        expect(await w2.sweep()).toEqual([]);
        expect(await w1.online(room)).toEqual([alice]);
      });

      it("reports a dead worker's user even when someone joined the room before the sweep", async () => {
        await w1.add(room, alice);
        time += TTL + 1;
        expect(await w2.add(room, bob)).toBe(true);
        expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
        expect(await w2.online(room)).toEqual([bob]);
      });

      it("keeps entries alive past the ttl while the worker heartbeats", async () => {
        await w1.add(room, alice);
        time += TTL / 2;
        await w1.heartbeat();
        time += TTL / 2 + 1; // past the expiry set by add
        expect(await w2.sweep()).toEqual([]);
        expect(await w2.online(room)).toEqual([alice]);
        time += TTL / 2; // past the expiry set by the heartbeat
        expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
      });

      it("keeps sweeping a room whose entries a stalled worker's heartbeat brought back", async () => {
        await w1.add(room, alice);
        time += TTL + 1;
        expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
        // w1 was only stalled: its next heartbeat puts alice back; when it then dies she must be swept again.
        await w1.heartbeat();
        expect(await w2.online(room)).toEqual([alice]);
        time += TTL + 1;
        expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
        expect(await keysOf(`${prefix}:{r:${room}}`)).toEqual([]);
      });

      it("does not heartbeat entries it removed", async () => {
        await w1.add(room, alice);
        await w1.remove(room, alice);
        await w1.heartbeat();
        expect(await w2.online(room)).toEqual([]);
        expect(await w2.add(room, alice)).toBe(true);
      });

      it("keeps a room as one hash of users: adding and removing a user touches only that user's field", async () => {
        const key = `${prefix}:{r:${room}}:presence`;
        const a = admin();
        try {
          await w1.add(room, alice);
          await w2.add(room, alice);
          await w2.add(room, bob);
          expect(await a.type(key)).toBe("hash");
          expect(await a.hlen(key)).toBe(2);
          expect(JSON.parse((await a.hget(key, alice.id))!)).toEqual({ n: "alice", w: { w1: 1, w2: 1 } });
          // One score per worker, refreshed by its heartbeat, whatever it holds.
          expect(await a.zrange(`${prefix}:{workers}:presence`, "0", "-1")).toEqual(["w1", "w2"]);
          await w1.remove(room, alice);
          expect(JSON.parse((await a.hget(key, alice.id))!)).toEqual({ n: "alice", w: { w2: 1 } });
          await w2.remove(room, alice);
          expect(await a.hexists(key, alice.id)).toBe(0);
          expect(await a.smembers(`${prefix}:{w:w2}:presence-held`)).toEqual([`${room}|${bob.id}`]);
        } finally {
          a.disconnect();
        }
      });

      it("sweeps a dead worker once: one survivor takes the lease and visits only that worker's rooms", async () => {
        const w3 = new RedisPresence(redis().connect("presence-w3"), prefix, "w3", TTL, silentLogger, () => time);
        try {
          const rooms = Array.from({ length: 6 }, () => crypto.randomUUID());
          for (const r of rooms) await w1.add(r, alice);
          await w2.add(room, bob); // a room w1 never held
          time += TTL / 2;
          await w2.heartbeat();
          time += TTL / 2 + 1; // w1 expired, w2 not
          const [two, three] = await Promise.all([w2.sweep(), w3.sweep()]);
          // Exactly one of the survivors swept w1, and it reported each of w1's users once.
          expect([two.length, three.length].sort()).toEqual([0, rooms.length]);
          expect([...two, ...three].map((g) => g.roomId).sort()).toEqual([...rooms].sort());
          expect(await w2.online(room)).toEqual([bob]);
          expect(await keysOf(`${prefix}:{w:w1}`)).toEqual([]);
          expect(await keysOf(`${prefix}:{workers}:presence-sweep`)).toEqual([]);
          expect(await w3.sweep()).toEqual([]);
        } finally {
          await w3.close();
        }
      });

      it("leaves a dead worker to the survivor holding its lease, and redoes the sweep once the lease lapses", async () => {
        const a = admin();
        try {
          await w1.add(room, alice);
          time += TTL + 1;
          // Another survivor took the lease and died before finishing.
          await a.set(`${prefix}:{workers}:presence-sweep:w1`, "w9", "PX", 60_000);
          expect(await w2.sweep()).toEqual([]);
          expect(await w2.online(room)).toEqual([]); // hidden meanwhile: w1 is expired
          await a.del(`${prefix}:{workers}:presence-sweep:w1`); // the lease lapsed
          expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
        } finally {
          a.disconnect();
        }
      });

      it("keeps working after Redis lost its scripts (SCRIPT FLUSH, as a restart does)", async () => {
        // Each script runs once, so each connection believes the server has it...
        expect(await w1.add(room, alice)).toBe(true);
        expect(await w1.remove(room, alice)).toBe(true);
        expect(await w2.sweep()).toEqual([]);
        await redis().eachNode((node) => node.script("FLUSH"));
        // ...and now sends EVALSHA, meets NOSCRIPT, and must send EVAL (a failed script would throw here).
        expect(await w1.add(room, alice)).toBe(true);
        expect(await w1.add(room, bob)).toBe(true);
        expect(await w1.remove(room, bob)).toBe(true);
        time += TTL + 1;
        expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
      });
    });
  });
}
