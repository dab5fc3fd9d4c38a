import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "@parley/common";
import { REDIS_KINDS, useRedisBackend, type RedisBackend } from "../../../test/support/redis-backends.ts";
import { testRedisPrefix, uniqueName } from "../../../test/support/services.ts";
import { busContract, recordEvents } from "../ports/bus.contract.ts";
import type { RoomEvent } from "../ports/bus.ts";
import { RedisBus } from "./redis-bus.ts";

/** Two workers on one Redis under a prefix no other run uses. */
function redisPair(redis: RedisBackend) {
  const prefix = testRedisPrefix();
  const ids = { a: uniqueName("wa"), b: uniqueName("wb") };
  const bus = (id: string) => new RedisBus({ pub: redis.connect(`pub-${id}`), sub: redis.connect(`sub-${id}`) }, prefix, id, silentLogger);
  const [a, b] = [bus(ids.a), bus(ids.b)];
  return {
    a,
    b,
    ids,
    async cleanup() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

for (const kind of REDIS_KINDS) {
  describe(`RedisBus on ${kind} Redis`, () => {
    const redis = useRedisBackend(kind);

    busContract(`RedisBus (${kind})`, async () => redisPair(redis()));

    it(kind === "cluster" ? "subscribes with SSUBSCRIBE on the one shard owning the room's channel" : "subscribes with SUBSCRIBE", async () => {
      const pair = redisPair(redis());
      try {
        const room = crypto.randomUUID();
        await pair.b.subscribe(room);
        const channel = (text: string) => text.endsWith(`{r:${room}}:bus`);
        const perNode = await redis().eachNode(async (node) => ({
          sharded: ((await node.call("PUBSUB", "SHARDCHANNELS")) as string[]).filter(channel).length,
          classic: ((await node.call("PUBSUB", "CHANNELS")) as string[]).filter(channel).length,
        }));
        const total = (key: "sharded" | "classic") => perNode.reduce((n, counts) => n + counts[key], 0);
        expect({ sharded: total("sharded"), classic: total("classic") }).toEqual(kind === "cluster" ? { sharded: 1, classic: 0 } : { sharded: 0, classic: 1 });
      } finally {
        await pair.cleanup();
      }
    });

    describe("reconnects", () => {
      let pair: ReturnType<typeof redisPair>;
      beforeEach(() => {
        pair = redisPair(redis());
      });
      afterEach(() => pair.cleanup());

      /** Kills exactly this worker's connections of that role (never other tests' clients); a Cluster's subscribers are named after the connection. */
      const kill = (role: "pub" | "sub", id: string) =>
        redis().killClients((name) => name === `parley-${role}-${id}` || name.endsWith(`:parley-${role}-${id}`));

      it("calls onResume after the subscriber connection drops and comes back, and resubscribes", async () => {
        const room = crypto.randomUUID();
        const events = recordEvents(pair.b);
        let resumed = 0;
        let onResumed = () => {};
        pair.b.onResume(() => {
          resumed++;
          onResumed();
        });
        await pair.b.subscribe(room);
        await pair.b.ping();
        // Both sides are up: a first event goes through before anything is killed.
        await pair.a.publish(room, { kind: "left", roomId: room, userId: "first" });
        await events.until(() => events.events.length === 1);
        expect(resumed).toBe(0);

        const back = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("onResume was not called within 10 s")), 10_000);
          onResumed = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        expect(await kill("sub", pair.ids.b)).toBeGreaterThanOrEqual(1);
        await back;
        expect(resumed).toBeGreaterThanOrEqual(1);

        // Resubscribed: events published from now on arrive (at most once; retried until the subscription is back).
        const event: RoomEvent = { kind: "left", roomId: room, userId: crypto.randomUUID() };
        await expect
          .poll(async () => {
            await pair.a.publish(room, event);
            return events.inRoom(room).some((e) => e.kind === "left" && e.userId === (event as { userId: string }).userId);
          })
          .toBe(true);
      });

      it("does not call onResume when only the publisher connection drops", async () => {
        let resumed = 0;
        pair.b.onResume(() => resumed++);
        await pair.b.ping();
        await pair.b.publish(crypto.randomUUID(), { kind: "left", roomId: "r", userId: "u" }); // the publisher is connected
        expect(await kill("pub", pair.ids.b)).toBeGreaterThanOrEqual(1);
        const room = crypto.randomUUID();
        const events = recordEvents(pair.a);
        await pair.a.subscribe(room);
        // The publisher reconnects on its own: the next publish goes through once it is back.
        await expect
          .poll(async () => {
            await pair.b.publish(room, { kind: "left", roomId: room, userId: "u" }).catch(() => {});
            return events.events.length > 0;
          })
          .toBe(true);
        expect(resumed).toBe(0);
      });
    });
  });
}
