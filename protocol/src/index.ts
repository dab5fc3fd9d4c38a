/** Parley's wire protocol as code: what docs/protocol.md, the contract, says. */
export * from "./versions.ts";
export * from "./limits.ts";
export * from "./errors.ts";
export * from "./models.ts";
export * from "./http.ts";
export * from "./access.ts";
export * from "./frames.ts";
export * from "./routes.ts";
export * from "./backoff.ts";
export * from "./text-rules.ts";
export * from "./credentials.ts";
export * from "./mentions.ts";
export * from "./search.ts";
export * from "./access-limits.ts";
