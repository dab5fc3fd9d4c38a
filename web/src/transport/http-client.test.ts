import { describe, expect, it } from "vitest";
import { HttpClient } from "./http-client.ts";

/** A client whose requests are recorded and answered 200 with `answer`. */
function recording(answer: unknown = {}) {
  const calls: { method: string; url: string; body?: unknown }[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    calls.push({ method: init?.method ?? "GET", url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(JSON.stringify(answer), { status: 200 });
  }) as typeof globalThis.fetch;
  return { http: new HttpClient({ token: () => "t1", fetch }), calls };
}

describe("HttpClient: edits, deletions and reactions", () => {
  it("edits and deletes a message at its own path", async () => {
    const { http, calls } = recording({ message: {} });
    await http.editMessage("r1", "m1", "new body");
    await http.deleteMessage("r1", "m1");
    await http.edits("r1", "m1");
    expect(calls).toEqual([
      { method: "PATCH", url: "/api/rooms/r1/messages/m1", body: { body: "new body" } },
      { method: "DELETE", url: "/api/rooms/r1/messages/m1", body: undefined },
      { method: "GET", url: "/api/rooms/r1/messages/m1/edits", body: undefined },
    ]);
  });

  it("puts the emoji of a reaction in the path URL-encoded, one path segment even for a sequence with a joiner", async () => {
    const { http, calls } = recording({ reactions: [] });
    await http.addReaction("r1", "m1", "👍");
    await http.removeReaction("r1", "m1", "👩‍💻");
    await http.reactions("r1", "m1");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "PUT /api/rooms/r1/messages/m1/reactions/%F0%9F%91%8D",
      `DELETE /api/rooms/r1/messages/m1/reactions/${encodeURIComponent("👩‍💻")}`,
      "GET /api/rooms/r1/messages/m1/reactions",
    ]);
    expect(decodeURIComponent(calls[1]!.url.split("/").at(-1)!)).toBe("👩‍💻");
  });
});
