import { attemptBudgetContract } from "./attempt-budget.contract.ts";
import { MemoryAttemptBudget } from "./attempt-budget.ts";

attemptBudgetContract("MemoryAttemptBudget", async (clock) => {
  const budget = new MemoryAttemptBudget(clock);
  return { budgets: [budget, budget], cleanup: async () => {} };
});
