/**
 * Runtime-neutral pieces the worker and the balancer share, one implementation each: the error
 * shape, token verification, the client's address, env parsing, token buckets, clock and logger types.
 */
export * from "./errors.ts";
export * from "./tokens.ts";
export * from "./client-address.ts";
export * from "./client-errors.ts";
export * from "./config-fields.ts";
export * from "./read-limited.ts";
export * from "./request-id.ts";
export * from "./token-buckets.ts";
export * from "./clock.ts";
export * from "./logger.ts";
export * from "./metrics-access.ts";
export { murmur3 } from "./murmur3.ts";
