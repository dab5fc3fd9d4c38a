import { ERROR_STATUS, type ErrorCode } from "@parley/protocol";

/** The one error type handlers throw; `app.onError` renders it as `{error: {code, message}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds, for `rate_limited` and `unavailable`. */
    readonly retryAfter?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status() {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);
export const invalid = (message: string) => new ApiError("invalid_request", message);

/** Codes of errors that mean the database or Redis cannot be reached right now. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

/** True when an unexpected error is a dependency outage: the client should retry, not give up. */
export function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    if ((e as { name?: unknown }).name === "MaxRetriesPerRequestError") return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && /Connection is closed|connect ECONNREFUSED|write EPIPE/.test(message)) return true;
  }
  return false;
}

/** Maps anything thrown to the error a client sees; internals never leak. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isUnavailable(error)) return new ApiError("unavailable", "a backing service is unavailable; retry shortly", 2);
  return new ApiError("internal", "internal error");
}
