import { describe, expect, it } from "vitest";
import { planCapacity, workersPerRoom, type CapacityAssumptions, type MeasuredCosts } from "./capacity-model.ts";

// Round figures chosen so every step can be checked by hand (worked through in the comments).
const costs: MeasuredCosts = {
  fanout: 10,
  workerBaseRss: 1e8,
  rssPerConnection: 10_000,
  workerCpuPerMessage: 1e-4,
  workerCpuPerExtraWorker: 1e-5,
  redisCpuPerMessage: { base: 1e-5, perSubscriber: 2e-6 },
  redisOpsPerMessage: { base: 3, perSubscriber: 1 },
  redisBytesPerMessage: { base: 500, perSubscriber: 300 },
  pgCpuPerMessage: 2e-4,
  pgCommitsPerMessage: 1,
  walBytesPerMessage: 1000,
};
const assume: CapacityAssumptions = { workerMemoryBytes: 2e9, redisNetworkBytesPerSecond: 1e9, pgCoresPerNode: 8, pgWalBytesPerSecond: 1e8, utilization: 0.5 };

describe("capacity model", () => {
  it("counts the workers a room's members land on", () => {
    expect(workersPerRoom(1, 10)).toBe(1);
    // 10 members on 10 workers: 10 × (1 − 0.9^10).
    expect(workersPerRoom(10, 10)).toBeCloseTo(6.5132, 4);
    expect(workersPerRoom(1e6, 10)).toBeCloseTo(10, 3);
  });

  it("sizes each tier and names the one that runs fullest", () => {
    const plan = planCapacity(costs, { connections: 1e6, deliveriesPerSecond: 5e5, fanout: 10 }, assume);
    expect(plan.messagesPerSecond).toBe(50_000);
    // (2e9 × 0.5 − 1e8) ÷ 1e4 connections per worker; 1e6 of them need 12 workers.
    expect(plan.connectionsPerWorker).toBe(90_000);
    expect(plan.workersForMemory).toBe(12);
    // 1 → 10 → 16 → 17 workers: each step spreads a room over more workers, each costing a bus receive.
    expect(plan.workersForCpu).toBe(17);
    expect(plan.workers).toBe(17);
    const k = workersPerRoom(17, 10);
    expect(plan.workersPerRoom).toBe(k);
    expect(Math.ceil((50_000 * (1e-4 + (k - 1) * 1e-5)) / 0.5)).toBe(17);
    // Redis: 50k × (1e-5 + 2e-6 k) = 1.27 cores → 3 shards at 50 %; PostgreSQL: 10 cores → 3 nodes of 8 at 50 %.
    expect(plan.redisShards).toBe(3);
    expect(plan.pgNodes).toBe(3);
    expect(plan.cores).toBe(17 + 3 + 3 * 8);
    expect(plan.redisOpsPerSecond).toBeCloseTo(50_000 * (3 + k), 6);
    expect(plan.pgCommitsPerSecond).toBe(50_000);
    // Worker CPU, 8.36 cores on 17 workers, is the fullest (Redis CPU 1.27 of 3, PostgreSQL 10 of 24 cores, WAL 5e7 of 3e8 bytes/s).
    expect(plan.saturatesFirst.resource).toBe("worker CPU");
    expect(plan.saturatesFirst.utilization).toBeCloseTo((50_000 * (1e-4 + (k - 1) * 1e-5)) / 17, 9);
    expect(plan.loads.find((l) => l.resource === "PostgreSQL WAL")!.utilization).toBeCloseTo(5e7 / 3e8, 9);
    for (const load of plan.loads) expect(load.utilization).toBeLessThanOrEqual(0.5);
  });

  it("is bound by memory when connections are many and messages few", () => {
    const plan = planCapacity(costs, { connections: 1e6, deliveriesPerSecond: 1e4, fanout: 10 }, assume);
    expect(plan.workersForCpu).toBeLessThan(plan.workersForMemory);
    expect(plan.workers).toBe(12);
    expect(plan.redisShards).toBe(1);
    expect(plan.pgNodes).toBe(1);
    expect(plan.saturatesFirst.resource).toBe("worker memory");
    expect(plan.saturatesFirst.utilization).toBeCloseTo((12 * 1e8 + 1e6 * 1e4) / (12 * 2e9), 9);
  });

  it("refuses a target whose rooms differ from the measured ones", () => {
    expect(() => planCapacity(costs, { connections: 1e6, deliveriesPerSecond: 5e5, fanout: 100 }, assume)).toThrow(/rooms of 10/);
  });
});
