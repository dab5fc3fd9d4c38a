import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_IMMUTABLE, CACHE_REVALIDATE, CONTENT_SECURITY_POLICY } from "../../worker/src/http/web-ui-policy.ts";
import { ApiClient, type SocketClient } from "../support/client.ts";
import { createMigratedDatabase, testSecret, uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { startWranglerDev, wranglerInstalled, type WranglerDev } from "../support/wrangler-process.ts";
import { startS3Server, type S3Server } from "../support/s3-server.ts";
import { conformanceSuite } from "./suite/index.ts";
import { CONFORMANCE_ADMIN } from "./suite/access-support.ts";
import { CONFORMANCE_UPLOAD_ENV } from "./suite/uploads.ts";

/**
 * The same worker on Cloudflare Workers' runtime: `wrangler dev` (workerd, gateway and room Durable
 * Objects, PostgreSQL through a local Hyperdrive binding) driven by the conformance suite, then next
 * to a Node worker on the same database. test/workerd/gateways.test.ts checks the gateways and room
 * objects themselves. It runs whenever wrangler is installed (a root devDependency) and fails, never
 * skips, when wrangler dev cannot start.
 */
const installed = wranglerInstalled();
if (!installed) console.warn("workerd.test.ts: wrangler is not installed (npm install), so the wrangler dev tests are skipped");

let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
let workers: WranglerDev;
let node: WorkerProcess;
let s3: S3Server;

describe.skipIf(!installed)("wrangler dev", () => {
  beforeAll(async () => {
    // Files in s3rver: there is no disk under workerd, and the Node worker beside it shares the bucket.
    [database, s3] = await Promise.all([createMigratedDatabase(), startS3Server()]);
    const env = {
      JWT_SECRET: testSecret(),
      REGISTER_RATE: "10000/60s",
      MESSAGE_RATE: "100000/60s",
      ADMIN_USERNAMES: CONFORMANCE_ADMIN,
      LOG_LEVEL: "warn",
      SUGGEST_ENGINE: "builtin",
      ...CONFORMANCE_UPLOAD_ENV,
      ...s3.env,
    };
    [workers, node] = await Promise.all([
      startWranglerDev(database.url, { ...env, WORKER_ID: "workerd" }),
      startWorkerProcess({ ...env, DATABASE_URL: database.url, WORKER_ID: "node" }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([workers?.stop(), node?.stop()]);
    await database?.drop();
    await s3?.stop();
  });

  conformanceSuite("wrangler dev", () => ({ urls: [workers.url] }));

  describe("the web UI, from Workers static assets", () => {
    /** What a browser sends when it loads a page (static assets answer index.html for unknown paths). */
    const navigate = { "sec-fetch-mode": "navigate", accept: "text/html" };
    const index = () => readFileSync(new URL("../../web/dist/index.html", import.meta.url), "utf8");

    it("serves index.html at / and for client routes, with the Node server's CSP and caching", async () => {
      for (const [path, headers] of [
        ["/", {}],
        ["/", navigate],
        ["/rooms/some-room", navigate],
        ["/some/client/route", {}],
      ] as const) {
        const res = await fetch(`${workers.url}${path}`, { headers });
        expect(res.status, path).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/html/);
        expect(await res.text()).toBe(index());
        expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("cache-control")).toBe(CACHE_REVALIDATE);
      }
    });

    it("serves the hashed bundles as immutable", async () => {
      const scripts = [...index().matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      for (const path of scripts) {
        const res = await fetch(`${workers.url}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get("content-type")).toMatch(path.endsWith(".js") ? /javascript/ : /^text\/css/);
        expect(res.headers.get("cache-control")).toBe(CACHE_IMMUTABLE);
      }
    });

    it("leaves the API and the health checks to the Worker, even for a browser navigating to them", async () => {
      for (const headers of [{}, navigate]) {
        const unknown = await fetch(`${workers.url}/api/unknown`, { headers });
        expect(unknown.status).toBe(404);
        expect(await unknown.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
        const health = await fetch(`${workers.url}/healthz`, { headers });
        expect(health.headers.get("content-type")).toMatch(/^application\/json/);
        expect(health.headers.get("x-served-by")).toMatch(/^workerd-g\d+$/);
      }
    });
  });

  describe("next to a Node worker on the same database", () => {
    const open: SocketClient[] = [];
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close()));
    });

    /** A user registered through `url` whose token both runtimes accept (same JWT_SECRET). */
    async function member(url: string) {
      const api = new ApiClient(url);
      const user = await api.register(uniqueName());
      return { user, on: (base: string) => new ApiClient(base, api.token) };
    }

    it("serves from workerd and Node, each accepting the other's tokens", async () => {
      const { user, on } = await member(workers.url);
      const viaNode = await on(node.url).request("GET", "/api/me");
      const viaWorkers = await on(workers.url).request("GET", "/api/me");
      expect(viaNode.json).toEqual({ user });
      expect(viaWorkers.json).toEqual({ user });
      // A gateway object's id: WORKER_ID and its shard.
      expect(viaWorkers.headers.get("x-served-by")).toMatch(/^workerd-g\d+$/);
      expect(viaNode.headers.get("x-served-by")).toBe("node");
    });

    it("shows a message posted through Node in history read through wrangler dev, and the other way round", async () => {
      const owner = await member(node.url);
      const room = await owner.on(node.url).createRoom(uniqueName("Cross"));
      const fromNode = await owner.on(node.url).request("POST", `/api/rooms/${room.id}/messages`, { body: "from node", clientId: "n-1" });
      expect(fromNode.status).toBe(201);
      const fromWorkers = await owner.on(workers.url).request("POST", `/api/rooms/${room.id}/messages`, { body: "from workerd", clientId: "w-1" });
      expect(fromWorkers.status).toBe(201);
      expect(fromWorkers.json.message.seq).toBe(fromNode.json.message.seq + 1);
      const expected = [fromNode.json.message, fromWorkers.json.message];
      expect((await owner.on(workers.url).history(room.id)).messages).toEqual(expected);
      expect((await owner.on(node.url).history(room.id)).messages).toEqual(expected);
      // The clientId is idempotent across runtimes too: the same message, stored once.
      const again = await owner.on(workers.url).request("POST", `/api/rooms/${room.id}/messages`, { body: "from node", clientId: "n-1" });
      expect(again.json.message).toEqual(fromNode.json.message);
    });

    it("delivers a message posted through Node to a subscriber on wrangler dev (caught up from the database)", async () => {
      const owner = await member(workers.url);
      const room = await owner.on(workers.url).createRoom(uniqueName("Live"));
      const socket = await owner.on(workers.url).socket();
      open.push(socket);
      await socket.subscribe(room.id);
      const posted = await owner.on(node.url).request("POST", `/api/rooms/${room.id}/messages`, { body: "hello from node", clientId: "live-1" });
      // No bus between the runtimes: the gateway's resync (every 5 s) reads it from PostgreSQL.
      expect((await socket.waitForMessages(room.id, 1, 15_000))[0]).toEqual(posted.json.message);
    });
  });
});
