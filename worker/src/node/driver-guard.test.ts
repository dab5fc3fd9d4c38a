import { describe, expect, it } from "vitest";
import { isClosedSocketWriteBug } from "./driver-guard.ts";

describe("isClosedSocketWriteBug", () => {
  const bug = (path: string) => {
    const error = new TypeError("Cannot read properties of null (reading 'write')");
    error.stack = `TypeError: ${error.message}\n    at nextWrite (${path}:255:22)\n    at process.processImmediate (node:internal/timers:491:21)`;
    return error;
  };

  it("recognises the postgres.js closed-socket write, in its ESM and CommonJS builds", () => {
    expect(isClosedSocketWriteBug(bug("file:///app/node_modules/postgres/src/connection.js"))).toBe(true);
    expect(isClosedSocketWriteBug(bug("/app/node_modules/postgres/cjs/src/connection.js"))).toBe(true);
  });

  it("lets every other error through", () => {
    expect(isClosedSocketWriteBug(bug("/app/worker/src/realtime/room-hub.ts"))).toBe(false);
    expect(isClosedSocketWriteBug(new TypeError("Cannot read properties of null (reading 'send')"))).toBe(false);
    expect(isClosedSocketWriteBug(new Error("Cannot read properties of null (reading 'write')"))).toBe(false);
    expect(isClosedSocketWriteBug("write")).toBe(false);
  });
});
