import type { Logger } from "@parley/common";
import { loggableError } from "../ports/loggable-error.ts";

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** Errors do not survive JSON.stringify: keep their name and message (never a stack: logs may leave the account). */
const plain = (value: unknown) => loggableError(value, false);

/**
 * pino's line format on `console.log`, which is what Workers Logs and `wrangler tail` collect.
 * Same fields as on Node: `level`, `time`, `worker`, `msg` and the caller's object.
 */
export function consoleLogger(level: keyof typeof LEVELS, worker: string): Logger {
  const threshold = LEVELS[level];
  const write = (at: number) => (obj: object, msg?: string) => {
    if (at < threshold) return;
    const fields = Object.fromEntries(Object.entries(obj).map(([key, value]) => [key, plain(value)]));
    console.log(JSON.stringify({ level: at, time: Date.now(), worker, ...fields, msg }));
  };
  return { debug: write(LEVELS.debug), info: write(LEVELS.info), warn: write(LEVELS.warn), error: write(LEVELS.error) };
}
