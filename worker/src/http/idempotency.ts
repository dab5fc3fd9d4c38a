import type { Context, MiddlewareHandler } from "hono";
import type { IdempotencyClaim, Store } from "@parley/db";
import { LIMITS } from "@parley/protocol";
import type { Sessions } from "../auth/sessions.ts";
import { ApiError, bearerToken, type Clock, invalid, type Logger, readUpTo } from "@parley/common";
import type { AppEnv } from "./context.ts";

/** 1–128 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;
/** How long an answer is kept for replays. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** A claim still running after this was abandoned (its worker died): requests end long before. */
const ABANDONED_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
const REGISTER = "/api/auth/register";
/** The methods that change something, and so take an Idempotency-Key. */
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/**
 * Logins change nothing that a retry could double; an upload retried makes a second unattached
 * upload, which the sweep deletes (and its body, up to 25 MiB, is not teed here to be hashed).
 */
const EXEMPT = new Set(["/api/auth/login", "/api/uploads"]);

export interface IdempotencyDeps {
  store: Store;
  sessions: Sessions;
  clock: Clock;
  logger: Logger;
  /** Keys the hashes of bodies (they may hold passwords) and of register keys. */
  secret: string;
  /**
   * Routes whose answer holds credentials: kept without `CREDENTIAL_FIELDS`, so no live token sits
   * in the database, and given fresh ones on each replay from what was kept.
   */
  credentialed?: Record<string, (kept: Record<string, unknown>) => Promise<Record<string, unknown>>>;
}

/** Fields of an answer that are credentials. */
const CREDENTIAL_FIELDS = ["token", "expiresAt", "refreshToken"];

/**
 * `Idempotency-Key` on POST, PUT, PATCH and DELETE: the first request with a key runs and its 2xx JSON answer is stored
 * for 24 h under (user, key); a retry of the same request gets that answer again with
 * `Idempotency-Replayed: true`, a different request with the key 422, one while the first still
 * runs 409. Register has no user yet: its key is scoped by the username. Errors are not stored.
 */
export function idempotency(deps: IdempotencyDeps): MiddlewareHandler<AppEnv> {
  const { store, sessions, clock, logger } = deps;
  const hmacKey = crypto.subtle.importKey("raw", new TextEncoder().encode(`parley idempotency\0${deps.secret}`), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const hash = async (data: Uint8Array<ArrayBuffer>) => toHex(await crypto.subtle.sign("HMAC", await hmacKey, data));
  let nextSweep = 0;

  /** Whose key it is, or undefined when the route itself will refuse the request (no token, bad body). */
  const scopeOf = async (c: Context<AppEnv>, key: string, body: Uint8Array<ArrayBuffer>) => {
    if (c.req.path === REGISTER) {
      const username = usernameIn(body);
      return username === undefined ? undefined : { scope: "register", key: await hash(new TextEncoder().encode(`${key}\n${username.toLowerCase()}`)) };
    }
    const token = bearerToken(c.req.header("authorization"));
    if (!token) return undefined;
    const claims = await sessions.authenticate(token);
    c.set("user", claims.user);
    c.set("session", claims);
    return { scope: `user:${claims.user.id}`, key };
  };

  const sweep = (now: number) => {
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_EVERY_MS;
    store.deleteExpiredIdempotencyKeys(new Date(now)).catch((err: unknown) => logger.warn({ err }, "cannot delete expired idempotency keys"));
  };

  return async (c, next) => {
    const sent = c.req.header("idempotency-key");
    if (!MUTATING.has(c.req.method) || sent === undefined) return next();
    if (!IDEMPOTENCY_KEY.test(sent)) throw invalid("Idempotency-Key must be 1–128 printable ASCII characters");
    if (EXEMPT.has(c.req.path)) return next();
    const { bytes, overflow } = c.req.raw.body
      ? await readUpTo(c.req.raw.clone().body!, LIMITS.requestBodyBytes)
      : { bytes: new Uint8Array(), overflow: false };
    if (overflow) return next(); // the route answers 413
    const scoped = await scopeOf(c, sent, bytes);
    if (!scoped) return next();

    const now = clock.now();
    const claim: IdempotencyClaim = {
      ...scoped,
      method: c.req.method,
      path: c.req.path,
      bodyHash: await hash(bytes),
      createdAt: new Date(now),
      expiresAt: new Date(now + IDEMPOTENCY_TTL_MS),
    };
    const held = await store.claimIdempotencyKey(claim, new Date(now - ABANDONED_MS));
    sweep(now);
    if (held) {
      if (held.method !== claim.method || held.path !== claim.path || held.bodyHash !== claim.bodyHash) {
        throw new ApiError("idempotency_mismatch", "this Idempotency-Key was used for a different request; use a new key for a new request");
      }
      if (!held.response) throw new ApiError("conflict", "a request with this Idempotency-Key is still running; retry shortly", 1);
      const reissue = deps.credentialed?.[claim.path];
      const body = reissue ? JSON.stringify(await reissue(JSON.parse(held.response.body) as Record<string, unknown>)) : held.response.body;
      return c.body(body, held.response.status as 200, { "content-type": "application/json", "idempotency-replayed": "true" });
    }

    try {
      await next();
    } catch (error) {
      await store.releaseIdempotencyKey(claim.scope, claim.key).catch(() => {});
      throw error;
    }
    const { status } = c.res;
    if (status >= 200 && status < 300 && /^application\/json/i.test(c.res.headers.get("content-type") ?? "")) {
      const sent = await c.res.clone().text();
      const body = deps.credentialed?.[claim.path] ? withoutCredentials(sent) : sent;
      await store
        .completeIdempotencyKey(claim.scope, claim.key, { status, body })
        .catch((err: unknown) => logger.warn({ err }, "cannot store an idempotent answer"));
    } else {
      // An error is not an answer to keep: the client may fix the request or retry later.
      await store.releaseIdempotencyKey(claim.scope, claim.key).catch((err: unknown) => logger.warn({ err }, "cannot release an idempotency key"));
    }
  };
}

function withoutCredentials(json: string): string {
  const value = JSON.parse(json) as Record<string, unknown>;
  for (const field of CREDENTIAL_FIELDS) delete value[field];
  return JSON.stringify(value);
}

const toHex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

function usernameIn(body: Uint8Array): string | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    const username = (value as { username?: unknown } | null)?.username;
    return typeof username === "string" ? username : undefined;
  } catch {
    return undefined;
  }
}
