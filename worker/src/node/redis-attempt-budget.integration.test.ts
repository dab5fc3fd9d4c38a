import { TEST_REDIS_URL, deleteRedisKeys, testRedisPrefix } from "../../../test/support/services.ts";
import { silentLogger } from "@parley/common";
import { attemptBudgetContract } from "../ports/attempt-budget.contract.ts";
import { RedisAttemptBudget } from "./redis-attempt-budget.ts";
import { createRedis } from "./redis-client.ts";

// Two connections on one prefix: two workers sharing the budget.
attemptBudgetContract("RedisAttemptBudget", async (clock) => {
  const prefix = testRedisPrefix();
  const connections = [createRedis(TEST_REDIS_URL, "budget-w1", silentLogger), createRedis(TEST_REDIS_URL, "budget-w2", silentLogger)];
  const [one, two] = connections.map((redis) => new RedisAttemptBudget(redis, prefix, clock)) as [RedisAttemptBudget, RedisAttemptBudget];
  return {
    budgets: [one, two],
    async cleanup() {
      for (const redis of connections) redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});
