import { describe, expect, it } from "vitest";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError } from "./support.ts";

/** Names and text people read: one spelling per name (NFC), no reordering tricks, nothing invisible. */
export function textRuleTests({ first }: SuiteContext) {
  describe("text rules", () => {
    it("stores room names and topics in NFC, so two spellings of one name collide", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const base = uniqueName("cafe");
      const res = await api.request("POST", "/api/rooms", { name: `${base}e\u0301`, topic: "cre\u0300me" });
      expect(res.status, res.text).toBe(201);
      expect(res.json.room).toMatchObject({ name: `${base}\u00e9`, topic: "cr\u00e8me" });
      expectError(await api.request("POST", "/api/rooms", { name: `${base}\u00e9` }), 409, "conflict");
    });

    it("refuses a room name that looks like an existing one, with 409", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const tag = Math.random().toString(36).slice(2, 8);
      await api.createRoom(`paypal-${tag}`);
      // Cyrillic а, a capital I for l, fullwidth letters: each reads as the first name.
      // Another user each time: room creation is rate-limited per user (ROOM_RATE).
      for (const lookalike of [`pаypal-${tag}`, `paypaI-${tag}`, `ｐａｙｐａｌ-${tag}`]) {
        const other = new ApiClient(first());
        await other.register(uniqueName());
        expectError(await other.request("POST", "/api/rooms", { name: lookalike }), 409, "conflict");
      }
      const other = new ApiClient(first());
      await other.register(uniqueName());
      expect((await other.request("POST", "/api/rooms", { name: `paypal-${tag}-2` })).status).toBe(201);
    });

    it("refuses bidi controls in names and topics and invisible-only names", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      for (const body of [
        { name: `${uniqueName("r")}\u202egnp.exe` },
        { name: `\u2066${uniqueName("r")}\u2069` },
        { name: uniqueName("r"), topic: "see \u202ethis" },
        { name: "\u200b\u200b" },
        { name: "\u3164" },
        { name: "\u2800\u2800" },
      ]) {
        expectError(await api.request("POST", "/api/rooms", body), 400, "invalid_request");
      }
    });

    it("refuses a message body that shows nothing, over HTTP", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const room = await api.createRoom(uniqueName("room"));
      for (const body of ["\u200b", "\u200d\u200c\ufeff", "\u3164 \u3164", "\u0301"]) {
        expectError(await api.request("POST", `/api/rooms/${room.id}/messages`, { body }), 400, "invalid_request");
      }
      // Right-to-left text with its marks is ordinary writing and stays byte for byte.
      const rtl = "\u05e9\u05dc\u05d5\u05dd \u200fok";
      const sent = await api.request("POST", `/api/rooms/${room.id}/messages`, { body: rtl });
      expect(sent.status, sent.text).toBe(201);
      expect(sent.json.message.body).toBe(rtl);
    });

    it("normalises passwords, so a password typed composed or decomposed signs in", async () => {
      const username = uniqueName();
      const api = new ApiClient(first());
      const reg = await api.request("POST", "/api/auth/register", { username, password: "pa\u0308ssword-long" });
      expect(reg.status, reg.text).toBe(201);
      const login = await new ApiClient(first()).request("POST", "/api/auth/login", { username, password: "p\u00e4ssword-long" });
      expect(login.status, login.text).toBe(200);
    });
  });
}
