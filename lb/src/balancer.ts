import type { IncomingMessage, ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import {
  ApiError,
  bearerToken,
  clientAddress,
  type Clock,
  type Logger,
  PROMETHEUS_CONTENT_TYPE,
  readLimited,
  requestIdOf,
  requireMetricsToken,
  toApiError,
  upgradeToken,
} from "@parley/common";
import type { LbConfig } from "./config.ts";
import { HttpProxy, noWorker, originForm, rateLimited } from "./http-proxy.ts";
import { BalancerCounts, createBalancerRegistry } from "./metrics.ts";
import type { RateLimiter, RateTake } from "./rate-limiter.ts";
import { VerifiedTokens } from "./verified-tokens.ts";
import { normalize, WorkerPool } from "./worker-pool.ts";
import { WsTunnel } from "./ws-tunnel.ts";

export interface BalancerDeps {
  config: LbConfig;
  /** Names the balancer in `x-served-by` on the answers it gives itself. */
  id: string;
  pool: WorkerPool;
  limiter: RateLimiter;
  clock: Clock;
  logger: Logger;
  /** The hot path's counts, shared with the rate limiter; fresh ones when absent. */
  counts?: BalancerCounts;
}

type Bindings = { incoming: IncomingMessage; outgoing: ServerResponse };

/** Paths the balancer answers itself (Hono); every other request is proxied without touching Hono. */
const ownPath = (url: string) => url.startsWith("/lb/") || /^\/(healthz|readyz|metrics)(\?|$)/.test(url);

/**
 * The balancer: routes each user (by verified JWT `sub`, else client address) to the same worker
 * on a consistent-hash ring, retries idempotent requests on the next worker when one cannot be
 * reached, rate-limits per address and per user, and tunnels WebSockets. `listener` is the
 * node:http request handler: its own routes go through the Hono `app`, the rest straight to the proxy.
 */
export function createBalancer(deps: BalancerDeps) {
  const { config, pool, limiter, counts = new BalancerCounts() } = deps;
  const tokens = new VerifiedTokens(config.jwtSecret, deps.clock);
  const proxy = new HttpProxy({ config, id: deps.id, pool, limiter, tokens, logger: deps.logger, counts });
  // Only a balancer that will be scraped keeps a registry.
  const registry = config.metricsToken ? createBalancerRegistry(counts, pool) : undefined;
  const tunnels = new Map<string, Set<WsTunnel>>();
  const app = new Hono<{ Bindings: Bindings }>();
  const hono = getRequestListener(app.fetch);
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (ownPath(req.url ?? "/")) void hono(req, res);
    else void proxy.handle(req, res);
  };

  pool.onDown((url) => {
    for (const tunnel of tunnels.get(url) ?? []) tunnel.restart();
  });

  // The balancer's own answers carry the same headers as a worker's; proxied ones keep the worker's.
  app.use(async (c, next) => {
    const requestId = requestIdOf(c.req.header("x-request-id"));
    await next();
    if (c.res === RESPONSE_ALREADY_SENT) return;
    c.header("x-served-by", deps.id);
    c.header("x-request-id", requestId);
  });

  app.onError((error, c) => {
    const e = toApiError(error);
    if (e.code === "internal") deps.logger.error({ err: error }, "balancer error");
    if (e.retryAfter) c.header("Retry-After", String(e.retryAfter));
    for (const [name, value] of Object.entries(e.headers)) c.header(name, value);
    return c.json({ error: { code: e.code, message: e.message } }, e.status);
  });

  app.get("/healthz", (c) => c.json({ ok: true }));

  // Ready while some worker can take users; rate limits kept in this process while Redis is away do not make it unready, they show.
  app.get("/readyz", (c) => {
    const workers = pool.all();
    const state = { workers: workers.length, healthy: workers.filter((w) => w.healthy).length, rateLimiter: limiter.mode };
    if (!workers.some((w) => pool.routable(w.url))) return c.json({ error: { code: "unavailable", message: "no worker to route to" }, ...state }, 503);
    return c.json({ ok: true, ...state });
  });

  app.get("/metrics", async (c) => {
    requireMetricsToken(config.metricsToken, c.req.header("authorization"));
    return c.body(await registry!.metrics(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
  });

  const admin = (authorization: string | undefined) => {
    if (!config.adminSecret) throw new ApiError("not_found", "admin endpoints are off (set LB_ADMIN_SECRET)");
    if (bearerToken(authorization) !== config.adminSecret) throw new ApiError("unauthorized", "admin secret required");
  };
  // Anyone may see how many workers serve; their addresses, loads and errors need the admin secret.
  app.get("/lb/status", (c) => {
    const workers = pool.all();
    const summary = { workers: workers.length, healthy: workers.filter((w) => w.healthy).length, rateLimiter: limiter.mode };
    const authorization = c.req.header("authorization");
    if (authorization === undefined || !config.adminSecret) return c.json(summary);
    admin(authorization);
    const shares = pool.ring.shares();
    return c.json({
      ...summary,
      boundC: config.boundC,
      pool: workers.map((w) => ({
        url: w.url,
        healthy: w.healthy,
        alive: w.alive,
        draining: w.draining,
        ringShare: Math.round((shares.get(w.url) ?? 0) * 10_000) / 10_000,
        httpInFlight: w.httpInFlight,
        webSockets: w.webSockets,
        routed: w.routed,
        lastError: w.lastError ?? null,
        lastChange: w.lastChange,
      })),
    });
  });

  app.post("/lb/workers", async (c) => {
    admin(c.req.header("authorization"));
    const url = (parseJson(await readLimited(c.req.raw)) as { url?: unknown } | null)?.url;
    if (typeof url !== "string" || !/^https?:\/\/[^/]+$/.test(normalize(url)))
      throw new ApiError("invalid_request", 'body must be {"url": "http://host:port"}');
    pool.add(url);
    await pool.checkAll();
    return c.json({ workers: pool.all().map((w) => w.url) }, 201);
  });
  app.delete("/lb/workers", async (c) => {
    admin(c.req.header("authorization"));
    const url = c.req.query("url");
    if (!url || !pool.remove(url)) throw new ApiError("not_found", "no such worker");
    return c.json({ workers: pool.all().map((w) => w.url) });
  });

  // Anything else under the balancer's own paths (POST /healthz, …) is a worker's business.
  app.all("*", async (c) => {
    await proxy.handle(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });

  /** Routes a WebSocket upgrade: verified token, rate limit, bounded-load pick, then a byte tunnel. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {});
    const fail = (error: ApiError) => {
      const body = JSON.stringify({ error: { code: error.code, message: error.message } });
      const extra = error.retryAfter ? `Retry-After: ${error.retryAfter}\r\n` : "";
      socket.end(
        `HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-served-by: ${deps.id}\r\n${extra}Connection: close\r\n\r\n${body}`,
      );
    };
    try {
      if (originForm(req.url ?? "/").split("?")[0] !== "/ws") throw new ApiError("not_found", "WebSockets are served at /ws");
      const address = clientAddress(req.socket.remoteAddress ?? "unknown", header(req, "x-forwarded-for"), config.trustedProxies);
      const token = upgradeToken(header(req, "authorization"), header(req, "sec-websocket-protocol"));
      const userId = await tokens.userOf(token);
      // Mainly per user: many users behind one NAT reconnect at once after a worker dies; the address only has a ceiling.
      const takes: RateTake[] = [{ key: `upgrade-ip:${address}`, rate: config.rates.upgradeAddress }];
      if (userId) takes.push({ key: `upgrade:${userId}`, rate: config.rates.upgrade });
      const refused = await limiter.takeAll(takes);
      if (refused) counts.rateLimited[refused.index === 0 ? "upgradeAddress" : "upgrade"]++;
      if (refused) throw rateLimited(refused.decision, refused.index === 0 ? "connections from this address" : "connections for this user");
      if (!userId) throw new ApiError("unauthorized", "a valid token is required to open a WebSocket");
      const tried = new Set<string>();
      for (;;) {
        const worker = pool.ring.pick(userId, { eligible: (w) => pool.routable(w) && !tried.has(w), load: (w) => pool.get(w)!.webSockets, c: config.boundC });
        if (!worker) throw noWorker();
        tried.add(worker);
        const upstream = await dial(worker).catch((error: Error) => {
          pool.markFailed(worker, error.message);
          return undefined;
        });
        if (!upstream) continue;
        upstream.write(requestHead(req, address) + "\r\n");
        if (head.length) upstream.write(head);
        track(worker, new WsTunnel(socket, upstream));
        return;
      }
    } catch (error) {
      fail(toApiError(error));
    }
  }

  function track(worker: string, tunnel: WsTunnel) {
    const state = pool.get(worker)!;
    state.webSockets++;
    state.routed++;
    let set = tunnels.get(worker);
    if (!set) tunnels.set(worker, (set = new Set()));
    set.add(tunnel);
    tunnel.onClose(() => {
      state.webSockets--;
      set.delete(tunnel);
    });
  }

  /** Closes every tunnel with 1012 (balancer shutdown). */
  function closeAll() {
    for (const set of tunnels.values()) for (const tunnel of set) tunnel.restart("balancer restarting");
  }

  return { app, listener, upgrade, closeAll };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_request", "the body is not JSON");
  }
}

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function dial(workerUrl: string): Promise<import("node:net").Socket> {
  const url = new URL(workerUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 80) });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
    socket.setNoDelay(true);
  });
}

/** The upgrade request as the worker will see it, with the client's address forwarded. */
function requestHead(req: IncomingMessage, address: string): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (/^x-forwarded-/i.test(name)) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`X-Forwarded-For: ${address}`);
  return lines.join("\r\n") + "\r\n";
}
