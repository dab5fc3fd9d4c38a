import type { Hono } from "hono";
import type { AppEnv } from "./http/context.ts";

/** A dependency that readiness waits on, by name. */
export type ReadinessCheck = { name: string; check: () => Promise<unknown> };

const CHECK_TIMEOUT_MS = 2000;

const within = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);

/**
 * `/healthz` and `/readyz`. `report` adds state that never fails readiness (the language model:
 * suggestions fall back without it).
 */
export function registerHealthRoutes(app: Hono<AppEnv>, deps: { checks: ReadinessCheck[]; draining: () => boolean; report?: () => Record<string, unknown> }) {
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.get("/readyz", async (c) => {
    if (deps.draining()) return c.json({ error: { code: "unavailable", message: "draining: shutting down" }, draining: true }, 503);
    const results = await Promise.all(
      deps.checks.map(
        async ({ name, check }) =>
          [
            name,
            await within(check(), CHECK_TIMEOUT_MS).then(
              () => "up",
              () => "down",
            ),
          ] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    const report = deps.report?.() ?? {};
    const down = results.filter(([, state]) => state === "down").map(([name]) => name);
    if (down.length > 0) return c.json({ error: { code: "unavailable", message: `down: ${down.join(", ")}` }, checks, ...report }, 503);
    return c.json({ ok: true, checks, ...report });
  });
}
