import { createDrizzleStore, type Store } from "@parley/db";
import { connectPglite, type Connection } from "@parley/db/node";
import { type Clock, silentLogger, systemClock } from "@parley/common";
import { createApp, type AppSettings, type ParleyApp } from "../../worker/src/app.ts";
import { MemoryBusNetwork, type Bus } from "../../worker/src/ports/bus.ts";
import { bcryptjsHasher, type PasswordHasher } from "../../worker/src/ports/password-hasher.ts";
import { MemoryPresence, type Presence } from "../../worker/src/ports/presence.ts";
import type { Suggester } from "../../worker/src/ports/suggester.ts";
import { MemoryFileStorage, type FileStorage } from "../../worker/src/ports/file-storage.ts";

/** An embedded PostgreSQL in memory with Parley's migrations applied. */
export async function memoryStore(): Promise<{ store: Store; connection: Connection }> {
  const connection = await connectPglite("memory://");
  await connection.migrate();
  return { store: createDrizzleStore(connection.db), connection };
}

export const TEST_SETTINGS: AppSettings = {
  workerId: "test-worker",
  jwtSecret: "x".repeat(48),
  jwtTtlSeconds: 3600,
  allowedOrigins: [],
  trustedProxies: [],
  rates: {
    message: { max: 1000, windowSeconds: 60 },
    login: { max: 1000, windowSeconds: 60 },
    register: { max: 1000, windowSeconds: 60 },
    frame: { max: 1800, windowSeconds: 60 },
  },
};

/** The app in-process, for `app.request()` tests: no sockets (the upgrade helper refuses). */
export function inProcessApp(
  store: Store,
  options: {
    settings?: Partial<AppSettings>;
    clock?: Clock;
    bus?: Bus;
    presence?: Presence;
    address?: string;
    hasher?: PasswordHasher;
    suggester?: Suggester;
    /** Where uploads go; in memory when absent, none (uploads answer 503) when null. */
    files?: FileStorage | null;
  } = {},
): ParleyApp {
  return createApp({
    settings: { ...TEST_SETTINGS, ...options.settings },
    store,
    bus: options.bus ?? new MemoryBusNetwork().node(),
    presence: options.presence ?? new MemoryPresence(),
    clock: options.clock ?? systemClock,
    hasher: options.hasher ?? bcryptjsHasher(10),
    logger: silentLogger,
    suggester: options.suggester,
    files: options.files === null ? undefined : (options.files ?? new MemoryFileStorage()),
    upgradeWebSocket: (() => async () => new Response(null, { status: 501 })) as never,
    sockets: { bufferedAmount: () => 0, abort: () => {} },
    peerAddress: () => options.address ?? "127.0.0.1",
  });
}

/** JSON request helper for `app.request()`. */
export async function call(
  parley: ParleyApp,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await parley.app.request(path, {
    method,
    headers: {
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: json stays undefined
  }
  return { status: res.status, headers: res.headers, json };
}

/** A signed-in user with one room, on an in-process app over an in-memory store. */
export interface InProcessFixture {
  store: Store;
  parley: ParleyApp;
  token: string;
  roomId: string;
  close(): Promise<void>;
}

/** Builds the fixture most `app.request()` tests start from. */
export async function signedInApp(username: string, options: Parameters<typeof inProcessApp>[1] = {}): Promise<InProcessFixture> {
  const { store, connection } = await memoryStore();
  const parley = inProcessApp(store, options);
  const token = (await call(parley, "POST", "/api/auth/register", { body: { username, password: "long enough pw" } })).json.token;
  const roomId = (await call(parley, "POST", "/api/rooms", { token, body: { name: `${username}-room` } })).json.room.id;
  return { store, parley, token, roomId, close: () => connection.close() };
}
