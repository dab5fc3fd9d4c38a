import { GATEWAY_HEADER, gatewayName, shardOf } from "../workerd/gateway-routing.ts";
import { isUploadRequest, LIMITS, uploadBodyLimit } from "@parley/protocol";
import { withBoundedBody } from "../workerd/bounded-body.ts";
import { roomObject } from "../workerd/room-api.ts";
import { parseGatewayConfig, type GatewayConfig, type WorkerEnv } from "../workerd/worker-config.ts";

export { ParleyGateway } from "../workerd/gateway.ts";
export { ParleyRoom } from "../workerd/room-object.ts";

const PINNED = /^\/_gateway\/(\d+)(\/.*)$/;
const ROOM_STATUS = /^\/_debug\/rooms\/([^/]+)$/;
const ROOM_RESET = /^\/_debug\/rooms\/([^/]+)\/reset$/;
const GATEWAY_ABORT = /^\/_debug\/gateways\/(\d+)\/abort$/;

/**
 * The Cloudflare Workers entry (`wrangler dev`, `wrangler deploy`): it only routes. Each request goes
 * to the gateway Durable Object of its user's shard, which runs the shared app; room objects behind
 * the gateways carry fan-out and presence (docs/cloudflare.md). With
 * GATEWAY_DEBUG=on, `/_gateway/<n>/<path>` pins a request to gateway n and `/_debug/…` shows
 * and breaks things, for tests and benchmarks.
 */
export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    let settings: GatewayConfig;
    try {
      settings = gatewayConfig(env);
    } catch (error) {
      console.error(JSON.stringify({ level: 60, msg: `parley: ${(error as Error).message}` }));
      return Response.json({ error: { code: "unavailable", message: "the worker cannot start; see its log" } }, { status: 503 });
    }
    const { shards, debug } = settings;
    const url = new URL(request.url);
    let shard: number | undefined;
    if (debug) {
      const status = ROOM_STATUS.exec(url.pathname);
      if (status) return Response.json(await roomObject(env.ROOMS, decodeURIComponent(status[1]!)).status());
      const reset = ROOM_RESET.exec(url.pathname);
      if (reset && request.method === "POST") {
        await roomObject(env.ROOMS, decodeURIComponent(reset[1]!)).reset();
        return Response.json({ reset: true });
      }
      const abort = GATEWAY_ABORT.exec(url.pathname);
      if (abort && Number(abort[1]) < shards) return abortGateway(env, Number(abort[1]));
      const pinned = PINNED.exec(url.pathname);
      if (pinned) {
        shard = Number(pinned[1]);
        if (shard >= shards) return Response.json({ error: { code: "not_found", message: `no gateway ${shard}` } }, { status: 404 });
        url.pathname = pinned[2]!;
      }
    }
    shard ??= shardOf(request, shards);
    const limit = isUploadRequest(request.method, url.pathname) ? uploadBodyLimit(settings.uploadMaxBytes) : LIMITS.requestBodyBytes;
    const forwarded = new Request(url.toString(), await withBoundedBody(request, limit));
    forwarded.headers.set(GATEWAY_HEADER, String(shard));
    return gateway(env, shard).fetch(forwarded);
  },
};

/** Parsed once per `env` (the isolate's bindings), not per request. */
const parsed = new WeakMap<WorkerEnv, GatewayConfig>();
function gatewayConfig(env: WorkerEnv): GatewayConfig {
  let config = parsed.get(env);
  if (!config) parsed.set(env, (config = parseGatewayConfig(env)));
  return config;
}

const gateway = (env: WorkerEnv, shard: number) => env.GATEWAYS.get(env.GATEWAYS.idFromName(gatewayName(shard)));

/** Resets a gateway as a crash would: the call itself fails, since the object dies answering it. */
async function abortGateway(env: WorkerEnv, shard: number): Promise<Response> {
  const request = new Request("https://gateway.parley.internal/_debug/abort", { method: "POST", headers: { [GATEWAY_HEADER]: String(shard) } });
  await gateway(env, shard)
    .fetch(request)
    .catch(() => undefined);
  return Response.json({ aborted: shard });
}
