import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError } from "./support.ts";

export function httpConventionTests({ first }: SuiteContext) {
  describe("HTTP conventions", () => {
    it("answers every error as {error: {code, message}} in JSON", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const res = await api.request("GET", "/api/no-such-endpoint");
      expectError(res, 404, "not_found");
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    });

    it("sends x-served-by on every answer and echoes x-request-id", async () => {
      const api = new ApiClient(first());
      const requestId = `conformance-${randomUUID()}`;
      const failed = await api.request("GET", "/api/me", undefined, { "x-request-id": requestId });
      expect(failed.status).toBe(401);
      expect(failed.headers.get("x-request-id")).toBe(requestId);
      expect(failed.headers.get("x-served-by")).toBeTruthy();
      await api.register(uniqueName());
      const ok = await api.request("GET", "/api/me", undefined, { "x-request-id": requestId });
      expect(ok.headers.get("x-request-id")).toBe(requestId);
      expect(ok.headers.get("x-served-by")).toBeTruthy();
      expect((await api.request("GET", "/api/me")).headers.get("x-request-id")).toBeTruthy();
      const health = await fetch(first() + "/healthz");
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
      expect(health.headers.get("x-served-by")).toBeTruthy();
      const ready = await fetch(first() + "/readyz");
      expect(ready.status).toBe(200);
    });

    it("answers too many logins with 429 rate_limited, Retry-After and RateLimit-* headers", async () => {
      const username = uniqueName();
      await new ApiClient(first()).register(username);
      let res: Awaited<ReturnType<ApiClient["request"]>> | undefined;
      for (let i = 0; i < 40 && res?.status !== 429; i++) {
        res = await new ApiClient(first()).request("POST", "/api/auth/login", { username, password: "not the password" });
      }
      expectError(res!, 429, "rate_limited");
      expect(Number(res!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      for (const header of ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]) expect(res!.headers.get(header)).toMatch(/^\d+$/);
    });
  });
}
