import type { Bus } from "../ports/bus.ts";

/**
 * The bus of the only worker there is: every socket lives in one Durable Object, so no other worker
 * needs to hear a room's events and a publish goes nowhere.
 */
export function soloBus(): Bus {
  return {
    publish: async () => {},
    subscribe: async () => {},
    unsubscribe: async () => {},
    onEvent() {},
    onResume() {},
    ping: async () => {},
    close: async () => {},
  };
}
