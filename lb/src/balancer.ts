import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono, type Context } from "hono";
import { LIMITS } from "@parley/protocol";
import { ApiError, TokenIssuer, bearerToken, clientAddress, readLimited, toApiError, upgradeToken, type Clock, type Logger, type RateDecision } from "@parley/worker/shared";
import type { LbConfig } from "./config.ts";
import { forwardHeaders, isConnectError, isIdempotent, nodeResponseHeaders } from "./http-proxy.ts";
import type { RateLimiter } from "./rate-limiter.ts";
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
  /** The socket peer's address of a request. */
  peerAddress: (c: Context) => string;
}

const rateLimited = (d: RateDecision, what: string) =>
  new ApiError("rate_limited", `too many ${what}; retry in ${d.retryAfter} s`, d.retryAfter, {
    "RateLimit-Limit": String(d.limit),
    "RateLimit-Remaining": String(d.remaining),
    "RateLimit-Reset": String(d.retryAfter),
  });
const noWorker = () => new ApiError("unavailable", "no healthy worker; retry shortly", 2);

/**
 * The balancer: routes each user (by verified JWT `sub`, else client address) to the same worker
 * on a consistent-hash ring, retries idempotent requests on the next worker when one cannot be
 * reached, rate-limits per address and per user, and tunnels WebSockets.
 */
export function createBalancer(deps: BalancerDeps) {
  const { config, pool, limiter, logger } = deps;
  const tokens = new TokenIssuer(config.jwtSecret, 1, deps.clock);
  const tunnels = new Map<string, Set<WsTunnel>>();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  /** Verified tokens until they expire: the routing key costs one HMAC per token, not per request. */
  const verified = new Map<string, { userId: string; until: number }>();
  const app = new Hono<{ Bindings: { incoming: IncomingMessage; outgoing: ServerResponse } }>();

  pool.onDown((url) => {
    for (const tunnel of tunnels.get(url) ?? []) tunnel.restart();
  });

  /** The user id of a valid token, if any: the routing key for signed-in users. */
  const userOf = async (token: string | undefined): Promise<string | undefined> => {
    if (!token) return undefined;
    const now = deps.clock.now();
    const hit = verified.get(token);
    if (hit && hit.until > now) return hit.userId;
    const user = await tokens.verify(token).catch(() => undefined);
    if (!user) return undefined;
    if (verified.size > 50_000) verified.clear();
    // Cached for at most a minute, never past the token's own expiry.
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    verified.set(token, { userId: user.id, until: Math.min(exp * 1000, now + 60_000) });
    return user.id;
  };

  const limit = async (address: string, userId: string | undefined) => {
    const byAddress = await limiter.take(`ip:${address}`, config.rates.ip);
    if (!byAddress.ok) throw rateLimited(byAddress, "requests from this address");
    if (userId) {
      const byUser = await limiter.take(`user:${userId}`, config.rates.user);
      if (!byUser.ok) throw rateLimited(byUser, "requests for this user");
    }
  };

  // The balancer's own answers carry the same headers as a worker's; proxied ones keep the worker's.
  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id") ?? crypto.randomUUID();
    await next();
    if (c.res === RESPONSE_ALREADY_SENT) return;
    c.header("x-served-by", deps.id);
    c.header("x-request-id", requestId);
  });

  app.onError((error, c) => {
    const e = toApiError(error);
    if (e.code === "internal") logger.error({ err: error }, "balancer error");
    if (e.retryAfter) c.header("Retry-After", String(e.retryAfter));
    for (const [name, value] of Object.entries(e.headers)) c.header(name, value);
    return c.json({ error: { code: e.code, message: e.message } }, e.status);
  });

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.get("/lb/status", (c) => {
    const shares = pool.ring.shares();
    return c.json({
      workers: pool.all().map((w) => ({
        url: w.url,
        healthy: w.healthy,
        draining: w.draining,
        ringShare: Math.round((shares.get(w.url) ?? 0) * 10_000) / 10_000,
        httpInFlight: w.httpInFlight,
        webSockets: w.webSockets,
        routed: w.routed,
        lastError: w.lastError ?? null,
        lastChange: w.lastChange,
      })),
      boundC: config.boundC,
    });
  });

  const admin = (c: Context) => {
    if (!config.adminSecret) throw new ApiError("not_found", "admin endpoints are off (set LB_ADMIN_SECRET)");
    if (bearerToken(c.req.header("authorization")) !== config.adminSecret) throw new ApiError("unauthorized", "admin secret required");
  };
  app.post("/lb/workers", async (c) => {
    admin(c);
    const { url } = JSON.parse(await readLimited(c.req.raw)) as { url?: unknown };
    if (typeof url !== "string" || !/^https?:\/\/[^/]+$/.test(normalize(url))) throw new ApiError("invalid_request", "body must be {\"url\": \"http://host:port\"}");
    pool.add(url);
    await pool.checkAll();
    return c.json({ workers: pool.all().map((w) => w.url) }, 201);
  });
  app.delete("/lb/workers", async (c) => {
    admin(c);
    const url = c.req.query("url");
    if (!url || !pool.remove(url)) throw new ApiError("not_found", "no such worker");
    return c.json({ workers: pool.all().map((w) => w.url) });
  });

  app.all("*", async (c) => {
    const address = clientAddress(deps.peerAddress(c), c.req.header("x-forwarded-for"), config.trustedProxies);
    const userId = await userOf(bearerToken(c.req.header("authorization")));
    await limit(address, userId);
    if (Number(c.req.header("content-length") ?? "0") > LIMITS.requestBodyBytes) throw new ApiError("too_large", `request bodies are limited to ${LIMITS.requestBodyBytes} bytes`);
    const method = c.req.method;
    const body = method === "GET" || method === "HEAD" ? "" : await readLimited(c.req.raw);
    const url = new URL(c.req.url);
    const requestId = c.req.header("x-request-id") ?? crypto.randomUUID();
    const headers = forwardHeaders(c.req.raw.headers, { address, forwardedFor: config.trustedProxies.length ? c.req.header("x-forwarded-for") : undefined, host: c.req.header("host"), requestId });
    const retryable = isIdempotent(method, c.req.raw.headers, body);
    const tried = new Set<string>();
    for (const worker of pool.ring.walk(userId ?? address)) {
      if (!pool.routable(worker)) continue;
      tried.add(worker);
      const state = pool.get(worker)!;
      state.httpInFlight++;
      state.routed++;
      try {
        const res = await send(worker, method, url.pathname + url.search, headers, body);
        // Stream the worker's answer straight to the client's socket: no Response round trip.
        const outgoing = c.env.outgoing;
        outgoing.writeHead(res.statusCode ?? 502, nodeResponseHeaders(res.headers));
        res.pipe(outgoing);
        return RESPONSE_ALREADY_SENT;
      } catch (error) {
        if (!isConnectError(error)) throw new ApiError("unavailable", "the worker did not answer in time", 1);
        pool.markFailed(worker, (error as Error).message);
        if (!retryable) throw new ApiError("unavailable", "the worker became unavailable; retry the request", 1);
        logger.warn({ worker, method, path: url.pathname }, "retrying on the next worker");
      } finally {
        state.httpInFlight--;
      }
    }
    throw noWorker();
  });

  /** One request to a worker; resolves with its response head, rejects with the connection error. */
  function send(worker: string, method: string, path: string, headers: Headers, body: string): Promise<IncomingMessage> {
    const target = new URL(worker);
    const flat: Record<string, string> = {};
    headers.forEach((value, name) => (flat[name] = value));
    if (body !== "") flat["content-length"] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port || 80, method, path, headers: flat, agent, timeout: config.proxyTimeoutMs }, resolve);
      req.on("error", reject);
      req.on("timeout", () => req.destroy(Object.assign(new Error("worker timed out"), { code: "ETIMEDOUT_WORKER" })));
      req.end(body === "" ? undefined : body);
    });
  }

  /** Routes a WebSocket upgrade: verified token, rate limit, bounded-load pick, then a byte tunnel. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {});
    const fail = (error: ApiError) => {
      const body = JSON.stringify({ error: { code: error.code, message: error.message } });
      const extra = error.retryAfter ? `Retry-After: ${error.retryAfter}\r\n` : "";
      socket.end(`HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-served-by: ${deps.id}\r\n${extra}Connection: close\r\n\r\n${body}`);
    };
    try {
      if (new URL(req.url ?? "/", "http://lb").pathname !== "/ws") throw new ApiError("not_found", "WebSockets are served at /ws");
      const address = clientAddress(req.socket.remoteAddress ?? "unknown", header(req, "x-forwarded-for"), config.trustedProxies);
      const upgrades = await limiter.take(`upgrade:${address}`, config.rates.upgrade);
      if (!upgrades.ok) throw rateLimited(upgrades, "connections from this address");
      const token = upgradeToken(header(req, "authorization"), header(req, "sec-websocket-protocol"));
      const userId = await userOf(token);
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

  return { app, upgrade, closeAll };
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
