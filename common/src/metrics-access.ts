import { ApiError } from "./errors.ts";
import { bearerToken } from "./tokens.ts";

/** The Prometheus text exposition format's media type (version 0.0.4), as scrapers ask for it. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * The one guard of `GET /metrics` on workers and the balancer: 404 while no token is configured
 * (the endpoint does not exist), 401 unless `Authorization: Bearer <token>` carries it. The
 * comparison takes the same time wherever the strings differ, so the token cannot be guessed byte by byte.
 */
export function requireMetricsToken(expected: string | undefined, authorization: string | undefined): void {
  if (!expected) throw new ApiError("not_found", "metrics are off (set METRICS_TOKEN)");
  const sent = bearerToken(authorization) ?? "";
  let diff = sent.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (sent.charCodeAt(i) || 0);
  if (diff !== 0) throw new ApiError("unauthorized", "the metrics token is required");
}
