import { NotMemberError, StoreTimeout } from "@parley/db";
import { ApiError } from "@parley/common";
import type { Metrics } from "../metrics.ts";

/**
 * `target` with every promise its methods return watched: a rejection is reported to `failed`, then
 * passes on unchanged. One wrapper per method, made on first use; synchronous methods pass through.
 */
export function countFailures<T extends object>(target: T, failed: (error: unknown) => void): T {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== "function") return value;
      let wrapper = wrappers.get(key);
      if (!wrapper) {
        wrapper = (...args: unknown[]) => {
          const result: unknown = value.apply(object, args);
          if (!(result instanceof Promise)) return result;
          return result.catch((error: unknown) => {
            failed(error);
            throw error;
          });
        };
        wrappers.set(key, wrapper);
      }
      return wrapper;
    },
  });
}

/** Counts a store failure: timeouts apart, answers about the data (not a member, an ApiError) not at all. */
export const databaseFailure = (metrics: Metrics) => (error: unknown) => {
  if (error instanceof NotMemberError || error instanceof ApiError) return;
  metrics.dependencyFailed("database", error instanceof StoreTimeout);
};

/** Counts a Redis failure; ioredis gives up on a command after its retries (MaxRetriesPerRequestError) or its timeout. */
export const redisFailure = (metrics: Metrics) => (error: unknown) => {
  const { name = "", message = "" } = (error ?? {}) as { name?: string; message?: string };
  metrics.dependencyFailed("redis", name === "MaxRetriesPerRequestError" || /timed? ?out|timeout/i.test(message));
};
