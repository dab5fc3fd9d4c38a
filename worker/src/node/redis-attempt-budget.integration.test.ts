import { describe } from "vitest";
import { testRedisPrefix } from "../../../test/support/services.ts";
import { REDIS_KINDS, useRedisBackend } from "../../../test/support/redis-backends.ts";
import { attemptBudgetContract } from "../ports/attempt-budget.contract.ts";
import { RedisAttemptBudget } from "./redis-attempt-budget.ts";

for (const kind of REDIS_KINDS) {
  describe(`RedisAttemptBudget on ${kind} Redis`, () => {
    const redis = useRedisBackend(kind);
    // Two connections on one prefix: two workers sharing the budget.
    attemptBudgetContract(`RedisAttemptBudget (${kind})`, async (clock) => {
      const prefix = testRedisPrefix();
      const connections = [redis().connect("budget-w1"), redis().connect("budget-w2")];
      const [one, two] = connections.map((connection) => new RedisAttemptBudget(connection, prefix, clock)) as [RedisAttemptBudget, RedisAttemptBudget];
      return {
        budgets: [one, two],
        async cleanup() {
          for (const connection of connections) connection.disconnect();
          await redis().deleteKeys(prefix);
        },
      };
    });
  });
}
