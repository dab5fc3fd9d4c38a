import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "@parley/common";
import { TEST_REDIS_URL, testRedisPrefix, uniqueName } from "../../../test/support/services.ts";
import { busContract, recordEvents } from "../ports/bus.contract.ts";
import type { RoomEvent } from "../ports/bus.ts";
import { RedisBus } from "./redis-bus.ts";

/** Two workers on one Redis under a prefix no other run uses. */
function redisPair() {
  const prefix = testRedisPrefix();
  const ids = { a: uniqueName("wa"), b: uniqueName("wb") };
  const a = new RedisBus(TEST_REDIS_URL, prefix, ids.a, silentLogger);
  const b = new RedisBus(TEST_REDIS_URL, prefix, ids.b, silentLogger);
  return {
    a,
    b,
    ids,
    async cleanup() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

busContract("RedisBus", async () => redisPair());

describe("RedisBus reconnects", () => {
  let pair: ReturnType<typeof redisPair>;
  let admin: Redis;

  beforeEach(() => {
    pair = redisPair();
    admin = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    await pair.cleanup();
    await admin.quit();
  });

  /** Kills exactly the connections with this name (never other tests' pub/sub clients). */
  const killByName = async (name: string) => {
    const list = (await admin.client("LIST")) as string;
    const ids = list
      .split("\n")
      .filter((line) => line.split(" ").includes(`name=${name}`))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await admin.client("KILL", "ID", id);
    return ids.length;
  };

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
    expect(resumed).toBe(0);

    const back = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("onResume was not called within 10 s")), 10_000);
      onResumed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    expect(await killByName(`parley-sub-${pair.ids.b}`)).toBe(1);
    await back;
    expect(resumed).toBe(1);

    // A ping on the subscriber connection is answered after the resubscription it queued on reconnect.
    await pair.b.ping();
    const event: RoomEvent = { kind: "left", roomId: room, userId: crypto.randomUUID() };
    await pair.a.publish(room, event);
    await events.until(() => events.events.length === 1);
    expect(events.events).toEqual([{ roomId: room, event }]);
    expect(resumed).toBe(1);
  });

  it("does not call onResume when only the publisher connection drops", async () => {
    let resumed = 0;
    pair.b.onResume(() => resumed++);
    await pair.b.ping();
    expect(await killByName(`parley-pub-${pair.ids.b}`)).toBe(1);
    // The publisher reconnects on its own: the next ping goes through once it is back.
    await pair.b.ping();
    const room = crypto.randomUUID();
    const events = recordEvents(pair.a);
    await pair.a.subscribe(room);
    await pair.b.publish(room, { kind: "left", roomId: room, userId: "u" });
    await events.until(() => events.events.length === 1);
    expect(resumed).toBe(0);
  });
});
