import { withBoundedBody } from "../workerd/bounded-body.ts";
import type { WorkerEnv } from "../workerd/worker-config.ts";

export { ParleyCoordinator } from "../workerd/coordinator.ts";

/**
 * The Cloudflare Workers entry (`wrangler dev`, `wrangler deploy`): it only routes. Every request goes
 * to the one coordinator Durable Object, which runs the shared app with every WebSocket of the
 * deployment (README: Running on Cloudflare Workers).
 */
export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    return env.COORDINATOR.get(env.COORDINATOR.idFromName("parley")).fetch(await withBoundedBody(request));
  },
};
