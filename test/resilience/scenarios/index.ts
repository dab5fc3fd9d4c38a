import { abuse } from "./abuse.ts";
import { lostAck, slowConsumer } from "./clients.ts";
import type { ScenarioResult, Sizes } from "./common.ts";
import { postgresDown, redisDown, sigkillWorker, sigtermWorker } from "./faults.ts";

export { LONG, SHORT, type ScenarioResult, type Sizes } from "./common.ts";

/** Every resilience scenario, by name, in the order they run. */
export const SCENARIOS: Record<string, (sizes: Sizes) => Promise<ScenarioResult>> = {
  "sigkill-worker": sigkillWorker,
  "sigterm-worker": sigtermWorker,
  "redis-down": redisDown,
  "postgres-down": postgresDown,
  "lost-ack": lostAck,
  "slow-consumer": slowConsumer,
  abuse,
};
