import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  BALANCER_ROUTES,
  CLIENT_FRAME_TYPES,
  CLOSE_CODES,
  ERROR_STATUS,
  PROTOCOL_VERSION,
  ROUTES,
  SERVER_FRAME_TYPES,
  WS_SUBPROTOCOL,
  clientFrameSchema,
  type ClientFrame,
  type ServerFrame,
} from "@parley/protocol";
import { createBalancer } from "../../lb/src/balancer.ts";
import { parseLbConfig } from "../../lb/src/config.ts";
import { MemoryRateLimiter } from "../../lb/src/rate-limiter.ts";
import { WorkerPool } from "../../lb/src/worker-pool.ts";
import { CLOSE_SERVICE_RESTART } from "../../lb/src/ws-tunnel.ts";
import { systemClock } from "@parley/common";
import { silentLogger } from "@parley/common";
import { inProcessApp, memoryStore } from "../support/in-process.ts";
import { codeSpan, section, tableRows } from "./markdown.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DOC = readFileSync(join(ROOT, "docs/protocol.md"), "utf8");
const ROUTE_CELL = /^`(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/[^\s?`]*)(?:\?[^`\s]*)?`$/;

/** The rows of the one table under a heading. */
function onlyTable(title: string) {
  const tables = tableRows(section(DOC, title));
  expect(tables, `one table under "${title}"`).toHaveLength(1);
  return tables[0]!;
}

/** The first cell of each row as a code span; a row that is not one fails. */
function names(rows: ReturnType<typeof onlyTable>, title: string): string[] {
  return rows.map(({ cells }) => {
    const name = codeSpan(cells[0]!);
    expect(name, `"${title}": the first cell of "| ${cells.join(" | ")} |" must be one code span`).toBeDefined();
    return name!;
  });
}

const sorted = (values: Iterable<string>) => [...values].sort();
const unique = (values: string[]) => expect(values.length, `duplicates in ${values.join(", ")}`).toBe(new Set(values).size);

/** Field names of a fields cell like `` `roomId, afterSeq?` ``, each marked optional or required. */
function fields(cell: string): Record<string, "optional" | "required"> {
  if (cell === "") return {};
  const text = codeSpan(cell);
  expect(text, `fields cell "${cell}" must be one code span`).toBeDefined();
  return Object.fromEntries(
    text!.split(",").map((part) => {
      const match = /^\s*(\w+)(\?)?/.exec(part);
      expect(match, `field "${part}" in "${cell}"`).not.toBeNull();
      return [match![1]!, match![2] ? "optional" : "required"];
    }),
  );
}

/** Each field of a frame type, "optional" or "required", as the type says: the literal below must match it exactly. */
// `{} extends Pick<F, K>` is the type-level test for an optional key.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type FieldMap<F> = { [K in Exclude<keyof F, "type">]-?: {} extends Pick<F, K> ? "optional" : "required" };
const SERVER_FIELDS: { [T in ServerFrame["type"]]: FieldMap<Extract<ServerFrame, { type: T }>> } = {
  hello: { user: "required", worker: "required", protocol: "required" },
  subscribed: {
    roomId: "required",
    online: "required",
    onlineCount: "optional",
    onlineTruncated: "optional",
    lastSeq: "required",
    limited: "required",
    lastReadSeq: "optional",
    unreadCount: "optional",
    mentionCount: "optional",
  },
  unsubscribed: { roomId: "required", reason: "required" },
  userSubscribed: { lastSeq: "required", limited: "required" },
  userEvent: {
    seq: "required",
    kind: "required",
    roomId: "required",
    at: "required",
    message: "optional",
    readSeq: "optional",
    membership: "optional",
    room: "optional",
  },
  message: { message: "required" },
  ack: { clientId: "required", message: "required" },
  event: {
    roomId: "required",
    seq: "required",
    kind: "required",
    at: "required",
    message: "optional",
    reaction: "optional",
    member: "optional",
    reason: "optional",
    by: "optional",
    room: "optional",
  },
  reactions: { clientId: "required", roomId: "required", messageId: "required", reactions: "required" },
  presence: { roomId: "required", event: "required", user: "required", online: "optional", onlineCount: "optional" },
  typing: { roomId: "required", user: "required" },
  suggestion: { requestId: "required", delta: "required", done: "required", source: "required" },
  error: { code: "required", message: "required", requestId: "optional", clientId: "optional", roomId: "optional", retryAfter: "optional" },
  pong: {},
  authed: { exp: "required" },
};

describe("docs/protocol.md", () => {
  it("says it is the source of truth, and names the subprotocol as the version", () => {
    expect(DOC.split("\n")[0]).toMatch(/source of truth/);
    expect(WS_SUBPROTOCOL).toBe(`parley.v${PROTOCOL_VERSION}`);
    expect(section(DOC, "Versioning").join("\n")).toContain(`\`${WS_SUBPROTOCOL}\``);
  });

  it("lists exactly the client frames, with their fields", () => {
    expectTypeOf<ClientFrame["type"]>().toEqualTypeOf<(typeof CLIENT_FRAME_TYPES)[number]>();
    const options = clientFrameSchema.options.map((o) => o.shape);
    expect(sorted(options.map((shape) => shape.type.value))).toEqual(sorted(CLIENT_FRAME_TYPES));
    const rows = onlyTable("Client frames");
    const documented = names(rows, "Client frames");
    unique(documented);
    expect(sorted(documented)).toEqual(sorted(CLIENT_FRAME_TYPES));
    for (const { cells } of rows) {
      const shape = options.find((s) => s.type.value === codeSpan(cells[0]!))! as Record<string, { safeParse(v: unknown): { success: boolean } }>;
      const expected = Object.fromEntries(
        Object.entries(shape)
          .filter(([key]) => key !== "type")
          .map(([key, schema]) => [key, schema.safeParse(undefined).success ? "optional" : "required"]),
      );
      expect(fields(cells[1]!), `fields of ${cells[0]}`).toEqual(expected);
    }
  });

  it("lists exactly the server frames, with their fields", () => {
    expectTypeOf<ServerFrame["type"]>().toEqualTypeOf<(typeof SERVER_FRAME_TYPES)[number]>();
    expect(sorted(Object.keys(SERVER_FIELDS))).toEqual(sorted(SERVER_FRAME_TYPES));
    const rows = onlyTable("Server frames");
    const documented = names(rows, "Server frames");
    unique(documented);
    expect(sorted(documented)).toEqual(sorted(SERVER_FRAME_TYPES));
    for (const { cells } of rows) {
      expect(fields(cells[1]!), `fields of ${cells[0]}`).toEqual(SERVER_FIELDS[codeSpan(cells[0]!) as ServerFrame["type"]]);
    }
  });

  it("lists exactly the error codes, each with its status", () => {
    const rows = onlyTable("Errors");
    const documented = names(rows, "Errors");
    unique(documented);
    expect(Object.fromEntries(rows.map(({ cells }) => [codeSpan(cells[0]!), Number(cells[1])]))).toEqual(ERROR_STATUS);
  });

  it("lists exactly the close codes, each with its name", () => {
    const rows = onlyTable("Close codes");
    const documented = names(rows, "Close codes");
    unique(documented);
    const byCode = Object.fromEntries(rows.map(({ cells }) => [codeSpan(cells[0]!), codeSpan(cells[1]!)]));
    expect(byCode).toEqual(Object.fromEntries(Object.entries(CLOSE_CODES).map(([name, code]) => [String(code), name])));
  });

  it("has every close code the servers send in CLOSE_CODES", () => {
    const known = new Set<number>(Object.values(CLOSE_CODES));
    expect(known.has(CLOSE_SERVICE_RESTART)).toBe(true);
    const literals: string[] = [];
    let seen = 0;
    for (const file of sources(["worker/src", "lb/src"])) {
      const text = readFileSync(file, "utf8");
      // A close code written as a number, first or second argument: close(1012, …), closeQuietly(ws, 1000, …).
      for (const match of text.matchAll(/close\w*\(\s*(?:[\w.]+\s*,\s*)?(\d{4})\s*,/gi)) {
        seen++;
        if (!known.has(Number(match[1]))) literals.push(`${file}: ${match[0]}`);
      }
    }
    expect(literals).toEqual([]);
    // The scan finds the literals that are there (room objects close gateway sockets with 1000 and 1012).
    expect(seen).toBeGreaterThan(0);
  });

  it("puts every route table row in one of the two route tables", () => {
    const lines = DOC.split("\n");
    const routeRows = lines.flatMap((line, index) => (ROUTE_CELL.test(line.split(/(?<!\\)\|/)[1]?.trim() ?? "") ? [index] : []));
    const inTables = [...routeTable("Endpoints"), ...routeTable("Endpoints of its own")].length;
    expect(routeRows.length).toBe(inTables);
  });

  it("lists exactly the worker's routes and the balancer's own", () => {
    expect(sorted(routeTable("Endpoints"))).toEqual(sorted(ROUTES.map(key)));
    expect(sorted(routeTable("Endpoints of its own"))).toEqual(sorted(BALANCER_ROUTES.map(key)));
  });
});

describe("the route list", () => {
  let close: () => Promise<void> = async () => {};
  let workerRoutes: string[] = [];
  beforeAll(async () => {
    const { store, connection } = await memoryStore();
    close = () => connection.close();
    workerRoutes = registered(inProcessApp(store).app.routes);
  });
  afterAll(() => close());

  it("is what the worker app registers", () => {
    expect(sorted(workerRoutes)).toEqual(sorted(ROUTES.map(key)));
  });

  it("is what the balancer answers itself", () => {
    const config = parseLbConfig({ JWT_SECRET: "x".repeat(48) });
    const pool = new WorkerPool(config.health, silentLogger, config.vnodes);
    const balancer = createBalancer({ config, id: "lb-test", pool, limiter: new MemoryRateLimiter(systemClock), clock: systemClock, logger: silentLogger });
    expect(sorted(registered(balancer.app.routes))).toEqual(sorted(BALANCER_ROUTES.map(key)));
  });
});

const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** Endpoints a Hono app registered: middleware (`ALL`) and catch-alls (`*`) left out, one entry per route. */
function registered(routes: ReadonlyArray<{ method: string; path: string }>): string[] {
  return [...new Set(routes.filter((r) => r.method !== "ALL" && !r.path.includes("*")).map(key))];
}

/** "METHOD /path" of each row of a route table, query strings dropped; a row that is not a route fails. */
function routeTable(title: string): string[] {
  const rows = onlyTable(title);
  const routes = rows.map(({ cells }) => {
    const match = ROUTE_CELL.exec(cells[0]!);
    expect(match, `"${title}": "${cells[0]}" must be a code span like \`GET /api/rooms\``).not.toBeNull();
    return `${match![1]} ${match![2]}`;
  });
  unique(routes);
  return routes;
}

/** Non-test TypeScript files under the given folders. */
function sources(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ts$/.test(name) && !/\.(test|contract)\.ts$/.test(name)) out.push(path);
    }
  };
  for (const dir of dirs) walk(join(ROOT, dir));
  return out;
}
