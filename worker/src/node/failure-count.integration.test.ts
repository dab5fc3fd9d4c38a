import { createServer, type Server, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createDrizzleStore, withDeadline } from "@parley/db";
import { connectPostgres } from "@parley/db/node";
import { silentLogger } from "@parley/common";
import { memoryStore } from "../../../test/support/in-process.ts";
import { parsePrometheusText } from "../../../test/support/prometheus-text.ts";
import { TEST_REDIS_URL, uniqueName } from "../../../test/support/services.ts";
import { freePort } from "../../../test/support/worker-process.ts";
import { countFailures, databaseFailure, redisFailure } from "./failure-count.ts";
import { PrometheusMetrics } from "./prometheus-metrics.ts";
import { createRedisConnection } from "@parley/common/redis";

/** The worker's dependency-error counts, as a scrape reads them. */
async function failures(metrics: PrometheusMetrics) {
  const text = parsePrometheusText(await metrics.scrape());
  const of = (dependency: string, kind: string) => text.value("parley_dependency_errors_total", { dependency, kind }) ?? 0;
  return {
    database: { error: of("database", "error"), timeout: of("database", "timeout") },
    redis: { error: of("redis", "error"), timeout: of("redis", "timeout") },
  };
}

/** A TCP server that takes connections and never answers: a database that hangs. */
async function silentServer(): Promise<{ port: number; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, server, sockets };
}

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("dependency failures as the worker counts them", () => {
  it("counts a database that does not answer in time as a timeout, one that refuses as an error, a refused insert not at all", async () => {
    const metrics = new PrometheusMetrics();
    const hung = await silentServer();
    cleanups.push(() => (hung.sockets.forEach((s) => s.destroy()), new Promise((r) => hung.server.close(r))));
    const hanging = connectPostgres(`postgres://postgres@127.0.0.1:${hung.port}/parley`, { max: 1 });
    cleanups.push(() => hanging.close().catch(() => {}));
    const slow = countFailures(withDeadline(createDrizzleStore(hanging.db), 200), databaseFailure(metrics));
    await expect(slow.getRoom("r")).rejects.toThrow(/did not answer/);
    await expect(slow.ping()).rejects.toThrow(/did not answer/);

    const refusing = connectPostgres(`postgres://postgres@127.0.0.1:${await freePort()}/parley`, { max: 1 });
    cleanups.push(() => refusing.close().catch(() => {}));
    await expect(countFailures(createDrizzleStore(refusing.db), databaseFailure(metrics)).ping()).rejects.toThrow();

    const { store, connection } = await memoryStore();
    cleanups.push(() => connection.close());
    const counted = countFailures(store, databaseFailure(metrics));
    const newUser = () => counted.createUser({ id: crypto.randomUUID(), username: uniqueName(), passwordHash: "hash" });
    const [user, owner] = [(await newUser())!, (await newUser())!];
    const room = (await counted.createRoom({ id: crypto.randomUUID(), name: uniqueName("room"), topic: "", createdBy: owner.id, createdAt: new Date() }))!;
    const send = {
      id: crypto.randomUUID(),
      roomId: room.id,
      user: { id: user.id, username: user.username },
      body: "hi",
      clientId: null,
      createdAt: new Date(),
    };
    await expect(counted.appendMessage(send)).rejects.toThrow();

    expect(await failures(metrics)).toEqual({ database: { error: 1, timeout: 2 }, redis: { error: 0, timeout: 0 } });
  });

  it("counts an error reply from Redis as an error, and a Redis that cannot be reached as a timeout", async () => {
    const metrics = new PrometheusMetrics();
    const live = createRedisConnection({ url: TEST_REDIS_URL }, uniqueName("fc"), silentLogger);
    cleanups.push(() => live.disconnect());
    const counted = countFailures(live, redisFailure(metrics));
    expect(await counted.ping()).toBe("PONG");
    await expect(counted.call("PARLEY-NO-SUCH-COMMAND")).rejects.toThrow(/unknown command/i);

    const gone = createRedisConnection({ url: `redis://127.0.0.1:${await freePort()}` }, uniqueName("fc"), silentLogger);
    cleanups.push(() => gone.disconnect());
    await expect(countFailures(gone, redisFailure(metrics)).get("k")).rejects.toThrow(/max retries/i);

    expect(await failures(metrics)).toEqual({ database: { error: 0, timeout: 0 }, redis: { error: 1, timeout: 1 } });
  });
});
