/** Error codes of docs/protocol.md, with the HTTP status each one is answered with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  /** A request head or body that did not arrive in time (slowloris). */
  request_timeout: 408,
  conflict: 409,
  too_large: 413,
  /** An `Idempotency-Key` sent again with a different request. */
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  /** The balancer got an answer from a worker it cannot relay (a response head over its limit). */
  bad_gateway: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error answer: `{error: {code, message}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** WebSocket close codes the server uses (RFC 6455 §7.4.1). */
export const CLOSE_CODES = {
  normal: 1000,
  /** The worker is shutting down or draining: reconnect elsewhere. */
  goingAway: 1001,
  protocolError: 1002,
  /** A binary frame: Parley speaks JSON text only. */
  unsupportedData: 1003,
  invalidPayload: 1007,
  /** Rate limit exceeded again and again, or a consumer too slow to keep up. */
  policyViolation: 1008,
  /** A frame over the 64 KiB limit. */
  tooBig: 1009,
  internalError: 1011,
  /** The worker restarts: reconnect (the balancer sends it when a worker dies). */
  serviceRestart: 1012,
  tryAgainLater: 1013,
  /** The connection's access token reached its `exp` with no fresh one sent in an `auth` frame: refresh, then reconnect. */
  tokenExpired: 4001,
} as const;
