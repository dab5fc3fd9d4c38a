import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "@parley/common";
import { deleteRedisKeys, TEST_REDIS_URL, testRedisPrefix } from "../../../test/support/services.ts";
import { RedisWorkerDirectory } from "./redis-worker-directory.ts";

describe("RedisWorkerDirectory", () => {
  let prefix: string;
  let clients: Redis[];
  let directories: RedisWorkerDirectory[];

  beforeEach(() => {
    prefix = testRedisPrefix();
    clients = [];
    directories = [];
  });
  afterEach(async () => {
    await Promise.all(directories.map((d) => d.close()));
    for (const c of clients) c.disconnect();
    await deleteRedisKeys(prefix);
  });

  /** A worker's directory on its own connection, heartbeating every 50 ms, expiring after 300 ms. */
  async function join(id: string, url = TEST_REDIS_URL) {
    const redis = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: false });
    redis.on("error", () => {});
    clients.push(redis);
    const directory = new RedisWorkerDirectory(redis, prefix, id, silentLogger, { heartbeatMs: 50, ttlMs: 300 });
    directories.push(directory);
    await directory.start();
    return directory;
  }

  it("lists every live worker, the same on each, and notices one that leaves", async () => {
    const a = await join("a");
    const b = await join("b");
    const c = await join("c");
    for (const d of [a, b, c]) await expect.poll(() => d.live()).toEqual(["a", "b", "c"]);
    let changes = 0;
    a.onChange(() => changes++);
    await b.close();
    await expect.poll(() => a.live()).toEqual(["a", "c"]);
    await expect.poll(() => c.live()).toEqual(["a", "c"]);
    expect(changes).toBe(1);
  });

  it("drops a worker whose heartbeats stopped without leaving", async () => {
    const a = await join("a");
    const b = await join("b");
    await expect.poll(() => a.live()).toEqual(["a", "b"]);
    // Dead, not closed: its connection goes, its entry stays until the TTL passes.
    clients[1]!.disconnect();
    await expect.poll(() => a.live()).toEqual(["a"]);
    const key = `${prefix}:{workers}:live`;
    const admin = new Redis(TEST_REDIS_URL);
    try {
      expect(await admin.zrange(key, "0", "-1")).toEqual(["a"]);
    } finally {
      admin.disconnect();
    }
    // And the dead worker, cut off from Redis, counts only itself.
    await expect.poll(() => b.live()).toEqual(["b"]);
  });

  it("lists this worker alone while Redis does not answer", async () => {
    const a = await join("a");
    await join("b");
    await expect.poll(() => a.live()).toEqual(["a", "b"]);
    clients[0]!.disconnect();
    await expect.poll(() => a.live()).toEqual(["a"]);
  });
});
