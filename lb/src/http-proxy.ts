import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { isUploadRequest, LIMITS } from "@parley/protocol";
import { ApiError, bearerToken, clientAddress, type Logger, type RateDecision, requestIdOf, toApiError, tooLarge } from "@parley/common";
import type { LbConfig } from "./config.ts";
import type { RateLimiter, RateTake } from "./rate-limiter.ts";
import type { VerifiedTokens } from "./verified-tokens.ts";
import type { Pool } from "undici";
import type { BalancerCounts } from "./metrics.ts";
import { Relay, upstreamPool, UpstreamError } from "./upstream.ts";
import type { WorkerPool } from "./worker-pool.ts";

export const rateLimited = (d: RateDecision, what: string) =>
  new ApiError("rate_limited", `too many ${what}; retry in ${d.retryAfter} s`, d.retryAfter, {
    "RateLimit-Limit": String(d.limit),
    "RateLimit-Remaining": String(d.remaining),
    "RateLimit-Reset": String(d.retryAfter),
  });
export const noWorker = () => new ApiError("unavailable", "no healthy worker; retry shortly", 2);

/** Hop-by-hop request headers (RFC 9110 §7.6.1) and those the balancer sets itself. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "expect",
  "x-request-id",
]);
/** A worker's answer that cannot be relayed (its head is over the limit). */
const badGateway = () => new ApiError("bad_gateway", "the worker's answer could not be relayed");

export interface HttpProxyDeps {
  config: LbConfig;
  /** Names the balancer in `x-served-by` on the answers it gives itself. */
  id: string;
  pool: WorkerPool;
  limiter: RateLimiter;
  tokens: VerifiedTokens;
  logger: Logger;
  counts: BalancerCounts;
}

/**
 * The balancer's hot path, on node:http's server without Hono: rate limits (one Redis round trip
 * for the address's and the user's bucket), the user's worker on the ring, a request on a
 * keep-alive connection to it (upstream.ts, on undici), and its answer streamed back. A request moves to the next
 * worker when no byte of it reached the one it was sent to (a fresh connection that could not be opened), or, when
 * the connection breaks before the answer, only if it is idempotent end to end (`isIdempotent`): the first worker may
 * have committed it. Bodies (at most LIMITS.requestBodyBytes) are held once, as bytes, for that retry. Only a
 * connection that cannot be opened takes a worker out of rotation: a reset on a kept-alive one is a stale socket, not
 * a dead worker (health checks find those).
 */
export class HttpProxy {
  private readonly upstreams = new Map<string, Pool>();

  constructor(private readonly deps: HttpProxyDeps) {}

  /** Proxies one request, or answers it with the balancer's own error. Never rejects. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(req.headers["x-request-id"]);
    try {
      await this.forward(req, res, requestId);
    } catch (error) {
      this.fail(req, res, error, requestId);
    }
  };

  private async forward(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const { config, pool, limiter, tokens } = this.deps;
    const headers = req.headers;
    // Node joins repeated X-Forwarded-For lines into one string.
    const forwardedFor = headers["x-forwarded-for"] as string | undefined;
    const peer = req.socket.remoteAddress ?? "unknown";
    const address = forwardedFor === undefined ? peer.replace(/^::ffff:/, "") : clientAddress(peer, forwardedFor, config.trustedProxies);
    const token = bearerToken(headers.authorization);
    const userId = token === undefined ? undefined : (tokens.cached(token) ?? (await tokens.userOf(token)));
    const takes: RateTake[] = [{ key: `ip:${address}`, rate: config.rates.ip }];
    if (userId !== undefined) takes.push({ key: `user:${userId}`, rate: config.rates.user });
    const refused = await limiter.takeAll(takes);
    if (refused) this.deps.counts.rateLimited[refused.index === 0 ? "ip" : "user"]++;
    if (refused) throw rateLimited(refused.decision, refused.index === 0 ? "requests from this address" : "requests for this user");
    const method = req.method ?? "GET";
    const path = originForm(req.url ?? "/");
    // An upload's body is the file (binary, up to the upload limit); the worker checks it further.
    const upload = isUploadRequest(method, path.split("?")[0]!);
    const limit = upload ? config.uploadBodyBytes : LIMITS.requestBodyBytes;
    const overLimit = upload
      ? () => new ApiError("too_large", `files are limited to ${config.uploadBodyBytes - LIMITS.multipartEnvelopeBytes} bytes`)
      : tooLarge;
    if (Number(headers["content-length"] ?? "0") > limit) throw overLimit();
    const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req, limit, !upload, overLimit);
    const forwarded = { address, forwardedFor: config.trustedProxies.length > 0 ? forwardedFor : undefined, requestId };
    const retryable = isIdempotent(method, path, headers, body);
    for (const worker of pool.ring.walk(userId ?? address)) {
      if (!pool.routable(worker)) continue;
      const state = pool.get(worker)!;
      state.httpInFlight++;
      state.routed++;
      try {
        const relay = new Relay(res);
        this.upstream(worker).dispatch({ method, path, headers: requestHeaders(req.rawHeaders, headers.host, forwarded), body }, relay);
        return await relay.answered;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        if (error.code === "UND_ERR_HEADERS_OVERFLOW") throw badGateway();
        if (error.connectFailed) pool.markFailed(worker, error.message);
        else if (!isConnectError(error)) throw new ApiError("unavailable", "the worker did not answer in time", 1);
        // Past a fresh connect the worker may have received, and committed, the request.
        else if (!retryable) throw new ApiError("unavailable", "the worker became unavailable; retry the request", 1);
        this.deps.logger.warn({ worker, method, path: path.split("?")[0] }, "retrying on the next worker");
      } finally {
        state.httpInFlight--;
      }
    }
    throw noWorker();
  }

  private upstream(worker: string): Pool {
    let upstream = this.upstreams.get(worker);
    if (!upstream) this.upstreams.set(worker, (upstream = upstreamPool(worker, { maxSockets: 512, timeoutMs: this.deps.config.proxyTimeoutMs })));
    return upstream;
  }

  /** The balancer's own answer, in the workers' error shape and with their headers. */
  private fail(req: IncomingMessage, res: ServerResponse, error: unknown, requestId: string): void {
    const e = toApiError(error);
    if (e.code === "internal") this.deps.logger.error({ err: error }, "balancer error");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ error: { code: e.code, message: e.message } });
    const headers: OutgoingHttpHeaders = { "content-type": "application/json", "x-served-by": this.deps.id, "x-request-id": requestId, ...e.headers };
    if (e.retryAfter) headers["retry-after"] = String(e.retryAfter);
    // A body left unread (too large) ends the connection rather than being drained.
    if (!req.complete) headers.connection = "close";
    headers["content-length"] = Buffer.byteLength(body);
    res.writeHead(e.status, headers).end(body);
  }
}

/** The path and query of a request target, also when a client sent it in absolute form (400 when that is no URL). */
export function originForm(target: string): string {
  if (target.startsWith("/")) return target;
  try {
    const url = new URL(target, "http://lb");
    return url.pathname + url.search;
  } catch {
    throw new ApiError("invalid_request", "the request target is not a valid URL");
  }
}

/** The request body as bytes (undefined when empty), refused past `limit` or (`text`) when not UTF-8. */
function readBody(req: IncomingMessage, limit: number, text: boolean, overLimit: () => ApiError): Promise<Buffer | undefined> {
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      reject(overLimit());
    };
    req.on("data", onData);
    req.on("error", reject);
    req.on("end", () => {
      if (size === 0) return resolve(undefined);
      const body = Buffer.concat(chunks, size);
      if (text && !isUtf8(body)) return reject(new ApiError("invalid_request", "the body is not valid UTF-8"));
      resolve(body);
    });
  });
}

/** What the balancer adds to a request it forwards. */
interface Forwarded {
  /** The client's address. */
  address: string;
  /** The X-Forwarded-For it came with, when that may be trusted. */
  forwardedFor: string | undefined;
  requestId: string;
}

/**
 * The headers to send a worker, as a flat [name, value, …] list: the client's (Node's raw list, repeats
 * kept; the parser let no CR or LF through), minus hop-by-hop ones, plus forwarding information.
 * undici adds Host (the worker's), Content-Length and Connection itself.
 */
export function requestHeaders(raw: string[], clientHost: string | undefined, f: Forwarded): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  out.push("X-Forwarded-For", f.forwardedFor ? `${f.forwardedFor}, ${f.address}` : f.address, "X-Forwarded-Proto", "http");
  if (clientHost) out.push("X-Forwarded-Host", clientHost);
  out.push("X-Request-Id", f.requestId);
  return out;
}

/** A message POST: the store keeps one message per (room, user, clientId). */
const MESSAGE_POST = /^\/api\/rooms\/[^/?]+\/messages(\?|$)/;

/**
 * True when sending the request twice stores nothing twice: GET, HEAD, OPTIONS; a POST with an
 * `Idempotency-Key` (workers replay the first answer); a message POST whose JSON body has a `clientId`.
 * A `clientId` means nothing to other routes.
 */
export function isIdempotent(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer | undefined): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return true;
  if (method !== "POST") return false;
  if (headers["idempotency-key"]) return true;
  if (!body || !MESSAGE_POST.test(path)) return false;
  try {
    const parsed = JSON.parse(body.toString()) as { clientId?: unknown };
    return typeof parsed?.clientId === "string" && parsed.clientId.length > 0;
  } catch {
    return false;
  }
}

/** True when the connection failed or broke before the answer's head: an idempotent request may go elsewhere. */
export function isConnectError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return (
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "EHOSTUNREACH" ||
    code === "UND_ERR_SOCKET" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "EPIPE"
  );
}
