import { describe, expect, it } from "vitest";
import type { Message } from "@parley/protocol";
import { parseRoute } from "../lib/hash-route.ts";
import { canDelete, canEdit, lastEditable, messageLink } from "./conversation.ts";

const alice = { id: "u1", username: "alice" };
const bob = { id: "u2", username: "bob" };
const msg = (seq: number, user = alice, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: "5f0c2a8e-0000-4000-8000-000000000001",
  seq,
  user,
  body: "hi",
  clientId: null,
  createdAt: "2026-01-01T12:00:00.000Z",
  ...extra,
});

describe("conversation rules", () => {
  it("lets the author edit, and the author or the room's owners and moderators delete, nothing once deleted", () => {
    expect([canEdit(msg(1), alice), canEdit(msg(1, bob), alice), canEdit(msg(1, alice, { deleted: true }), alice)]).toEqual([true, false, false]);
    expect([canDelete(msg(1, bob), alice), canDelete(msg(1, bob), alice, true), canDelete(msg(1, bob, { deleted: true }), alice, true)]).toEqual([
      false,
      true,
      false,
    ]);
  });

  it("picks our newest message that is not deleted for ↑", () => {
    expect(lastEditable([msg(1), msg(2), msg(3, alice, { deleted: true }), msg(4, bob)], alice)?.seq).toBe(2);
    expect(lastEditable([msg(1, bob)], alice)).toBeUndefined();
  });

  it("links to the message's room, a route the app opens", () => {
    const link = messageLink(msg(7), "https://parley.example");
    expect(link).toBe("https://parley.example/#/rooms/5f0c2a8e-0000-4000-8000-000000000001?m=m7");
    expect(parseRoute(new URL(link).hash)).toEqual({ view: "room", roomId: "5f0c2a8e-0000-4000-8000-000000000001" });
  });
});
