/**
 * `@parley/protocol/client`: the protocol without zod, for the web UI's bundle (zod was most of
 * its JavaScript). Constants, rules and types only; the schemas stay in the root entry, which the
 * server validates with. ESLint forbids web/src to import that root for values.
 */
export * from "./versions.ts";
export * from "./limits.ts";
export * from "./errors.ts";
export * from "./backoff.ts";
export * from "./text-rules.ts";
export * from "./credentials.ts";
export * from "./mentions.ts";
export * from "./search.ts";
export * from "./access-limits.ts";
export type * from "./models.ts";
export type { ClientFrame, ServerFrame } from "./frames.ts";
export type { Credentials } from "./http.ts";
