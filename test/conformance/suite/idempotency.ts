import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError, expectRoomShape } from "./support.ts";

/** `Idempotency-Key` on POST (docs/protocol.md "Idempotent retries"): a retry stores nothing new. */
export function idempotencyTests({ first }: SuiteContext) {
  describe("Idempotency-Key", () => {
    const key = () => ({ "idempotency-key": randomUUID() });
    const joinedRooms = async (api: ApiClient) => (await api.request("GET", "/api/rooms?joined=true")).json.rooms.length as number;

    it("answers a repeated create-room with the first 201 and stores one room", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const headers = key();
      const body = { name: uniqueName("Once") };
      const created = await api.request("POST", "/api/rooms", body, headers);
      const replayed = await api.request("POST", "/api/rooms", body, headers);
      expect(created.status, created.text).toBe(201);
      expectRoomShape(created.json.room);
      expect(replayed.status, replayed.text).toBe(201);
      expect(replayed.json).toEqual(created.json);
      expect(replayed.headers.get("idempotency-replayed")).toBe("true");
      expect(await joinedRooms(api)).toBe(1);
    });

    it("answers a repeated message POST with the first message and stores it once", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const room = await api.createRoom(uniqueName("room"));
      const headers = key();
      const sent = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "only once" }, headers);
      const again = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: "only once" }, headers);
      expect([sent.status, again.status]).toEqual([201, 201]);
      expect(again.json.message).toEqual(sent.json.message);
      // With a clientId as well: still one message.
      const withClientId = { body: "client id too", clientId: "c-1" };
      const both = key();
      const a = await api.request("POST", `/api/rooms/${room.id}/messages`, withClientId, both);
      const b = await api.request("POST", `/api/rooms/${room.id}/messages`, withClientId, both);
      expect(b.json.message).toEqual(a.json.message);
      expect((await api.history(room.id)).messages.map((m) => m.body)).toEqual(["only once", "client id too"]);
    });

    it("answers a repeated register with the first 201, not 409", async () => {
      const api = new ApiClient(first());
      const body = { username: uniqueName(), password: "correct horse battery" };
      const headers = key();
      const created = await api.request("POST", "/api/auth/register", body, headers);
      const replayed = await api.request("POST", "/api/auth/register", body, headers);
      expect([created.status, replayed.status]).toEqual([201, 201]);
      expect(replayed.json.user).toEqual(created.json.user);
      // Without the key, the name is taken.
      expectError(await api.request("POST", "/api/auth/register", body), 409, "conflict");
    });

    it("refuses a key reused for another request with 422 idempotency_mismatch, and a malformed key with 400", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const headers = key();
      expect((await api.request("POST", "/api/rooms", { name: uniqueName("a") }, headers)).status).toBe(201);
      expectError(await api.request("POST", "/api/rooms", { name: uniqueName("b") }, headers), 422, "idempotency_mismatch");
      expectError(await api.request("POST", "/api/rooms", { name: uniqueName("c") }, { "idempotency-key": "k".repeat(129) }), 400, "invalid_request");
      expect(await joinedRooms(api)).toBe(1);
    });
  });
}
