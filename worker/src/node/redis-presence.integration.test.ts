import type { User } from "@parley/protocol";
import { silentLogger } from "@parley/common";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_REDIS_URL, testRedisPrefix } from "../../../test/support/services.ts";
import { presenceContract } from "../ports/presence.contract.ts";
import { RedisPresence } from "./redis-presence.ts";

let admin: Redis;
beforeAll(() => {
  admin = new Redis(TEST_REDIS_URL);
});
afterAll(() => admin.quit());

/** Deletes every key under `<prefix>:`. */
async function deleteKeys(prefix: string) {
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
}

presenceContract("RedisPresence", async () => {
  const prefix = testRedisPrefix();
  const presence = new RedisPresence(TEST_REDIS_URL, prefix, "w1", 60_000, silentLogger);
  return {
    presence,
    async cleanup() {
      await presence.close();
      await deleteKeys(prefix);
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
    w1 = new RedisPresence(TEST_REDIS_URL, prefix, "w1", TTL, silentLogger, () => time);
    w2 = new RedisPresence(TEST_REDIS_URL, prefix, "w2", TTL, silentLogger, () => time);
  });
  afterEach(async () => {
    await Promise.all([w1.close(), w2.close()]);
    await deleteKeys(prefix);
    expect(await admin.keys(`${prefix}:*`)).toEqual([]);
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
    expect(await admin.exists(`${prefix}:presence:${room}`)).toBe(0);
  });

  it("does not heartbeat entries it removed", async () => {
    await w1.add(room, alice);
    await w1.remove(room, alice);
    await w1.heartbeat();
    expect(await w2.online(room)).toEqual([]);
    expect(await w2.add(room, alice)).toBe(true);
  });

  it("keeps a room as one hash of users: adding and removing a user touches only that user's field", async () => {
    const key = `${prefix}:presence:${room}`;
    await w1.add(room, alice);
    await w2.add(room, alice);
    await w2.add(room, bob);
    expect(await admin.type(key)).toBe("hash");
    expect(await admin.hlen(key)).toBe(2);
    expect(JSON.parse((await admin.hget(key, alice.id))!)).toEqual({ n: "alice", w: { w1: 1, w2: 1 } });
    // One score per worker, refreshed by its heartbeat, whatever it holds.
    expect(await admin.zrange(`${prefix}:presence-workers`, "0", "-1")).toEqual(["w1", "w2"]);
    await w1.remove(room, alice);
    expect(JSON.parse((await admin.hget(key, alice.id))!)).toEqual({ n: "alice", w: { w2: 1 } });
    await w2.remove(room, alice);
    expect(await admin.hexists(key, alice.id)).toBe(0);
    expect(await admin.smembers(`${prefix}:presence-of:w2`)).toEqual([`${room}|${bob.id}`]);
  });

  it("keeps working after Redis lost its scripts (SCRIPT FLUSH, as a restart does)", async () => {
    // Each script runs once, so each connection believes the server has it...
    expect(await w1.add(room, alice)).toBe(true);
    expect(await w1.remove(room, alice)).toBe(true);
    expect(await w2.sweep()).toEqual([]);
    await admin.script("FLUSH");
    // ...and now sends EVALSHA, meets NOSCRIPT, and must send EVAL (a failed script would throw here).
    expect(await w1.add(room, alice)).toBe(true);
    expect(await w1.add(room, bob)).toBe(true);
    expect(await w1.remove(room, bob)).toBe(true);
    time += TTL + 1;
    expect(await w2.sweep()).toEqual([{ roomId: room, user: alice }]);
  });
});
