import { describe, expect, it } from "vitest";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, upgrade } from "./support.ts";

export function upgradeTests({ first, sockets }: SuiteContext) {
  describe("WebSocket upgrade", () => {
    it("refuses an upgrade without a token or with a bad one with 401", async () => {
      expect(await upgrade(first(), { protocols: ["parley.v1"] })).toMatchObject({ status: 401 });
      expect(await upgrade(first(), { protocols: ["parley.v1", "bearer.garbage"] })).toMatchObject({ status: 401 });
      expect(await upgrade(first(), { headers: { authorization: "Bearer not.a.jwt" } })).toMatchObject({ status: 401 });
    });

    it("refuses a foreign Origin with 403 even with a valid token", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const result = await upgrade(first(), { protocols: ["parley.v1", `bearer.${api.token}`], headers: { origin: "http://evil.example" } });
      expect(result).toMatchObject({ status: 403 });
    });

    it("accepts the bearer subprotocol or an Authorization header, answers parley.v1, then says hello", async () => {
      const api = new ApiClient(first());
      const user = await api.register(uniqueName());
      const browser = sockets.add(await api.socket());
      expect(browser.ws.protocol).toBe("parley.v1");
      const hello = await browser.next("hello");
      expect(hello).toMatchObject({ type: "hello", user, worker: expect.any(String), protocol: 1 });
      expect(hello.worker.length).toBeGreaterThan(0);

      const viaHeader = await upgrade(first(), { protocols: ["parley.v1"], headers: { authorization: `Bearer ${api.token}` } });
      if (!("ws" in viaHeader)) throw new Error(`upgrade refused: ${viaHeader.status}`);
      expect(viaHeader.ws.protocol).toBe("parley.v1");
      expect(viaHeader.firstFrame).toMatchObject({ type: "hello", user });
      viaHeader.ws.close();
      const bare = await upgrade(first(), { headers: { authorization: `Bearer ${api.token}` } });
      if (!("ws" in bare)) throw new Error(`upgrade refused: ${bare.status}`);
      expect(bare.firstFrame).toMatchObject({ type: "hello", user });
      bare.ws.close();
    });
  });
}
