import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { LIMITS } from "@parley/protocol";
import type { ConnectionState } from "../realtime/ws-route.ts";
import { MAX_ROOMS_PER_SOCKET } from "./upgrade-websocket.ts";

/** workerd keeps at most this much (structured clone, V8's serializer as in Node) with a hibernatable socket. */
const ATTACHMENT_BYTES = 2048;

/** The largest state a connection can keep: longest names and addresses, cursors past 2^31, `rooms` full. */
function largestState(rooms: number): ConnectionState {
  const state: ConnectionState = {
    user: { id: crypto.randomUUID(), username: "u".repeat(LIMITS.usernameMax) },
    token: { jti: crypto.randomUUID(), sid: crypto.randomUUID(), iat: 1_800_000_000, exp: 1_800_000_900 },
    version: 2,
    address: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
    rooms: {},
  };
  for (let i = 0; i < rooms; i++) state.rooms[crypto.randomUUID()] = Number.MAX_SAFE_INTEGER - i;
  return state;
}

describe("a client socket's attachment", () => {
  it("holds the largest state of a connection subscribed to MAX_ROOMS_PER_SOCKET rooms", () => {
    expect(serialize(largestState(MAX_ROOMS_PER_SOCKET)).byteLength).toBeLessThanOrEqual(ATTACHMENT_BYTES);
  });
});
