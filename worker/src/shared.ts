/** Runtime-neutral pieces of the worker that the balancer uses too: one implementation each. */
export { TokenIssuer, bearerToken } from "./auth/tokens.ts";
export { ApiError, toApiError } from "./errors.ts";
export { csvList, parseEnv, rateField } from "./config-fields.ts";
export { readLimited } from "./http/body.ts";
export { answerMalformedRequests } from "./http/client-errors.ts";
export { clientAddress } from "./http/client-address.ts";
export { TokenBuckets, type RateDecision } from "./ports/rate-limiter.ts";
export { upgradeToken } from "./realtime/ws-route.ts";
export { systemClock, type Clock } from "./ports/clock.ts";
export type { Logger } from "./ports/logger.ts";
