import { describe, expect, it } from "vitest";
import type { SearchPage } from "@parley/protocol";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError } from "./support.ts";

/** A word no other test or run writes, so results hold this test's messages only. */
const rare = () => `w${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
/** The UTC day `days` after the given instant, `YYYY-MM-DD`. */
const day = (iso: string, days = 0) => new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);

/** Full-text search (docs/protocol.md, "Search"). */
export function searchTests({ first }: SuiteContext) {
  describe("search", () => {
    /** alice's rooms ops and dev with bob in both; carol outside. */
    async function team() {
      const [alice, bob, carol] = [new ApiClient(first()), new ApiClient(first()), new ApiClient(first())];
      const [aliceUser, bobUser] = [await alice.register(uniqueName("alice")), await bob.register(uniqueName("bob"))];
      await carol.register(uniqueName("carol"));
      const ops = await alice.createRoom(uniqueName("ops"));
      const dev = await alice.createRoom(uniqueName("dev"));
      await bob.join(ops.id);
      await bob.join(dev.id);
      return { alice, aliceUser, bob, bobUser, carol, ops, dev };
    }
    const post = async (api: ApiClient, roomId: string, body: string) => {
      const res = await api.request("POST", `/api/rooms/${roomId}/messages`, { body });
      expect(res.status).toBe(201);
      return res.json.message as { id: string; seq: number; createdAt: string };
    };
    const search = (api: ApiClient, params: Record<string, string>) => api.request("GET", `/api/search?${new URLSearchParams(params)}`);
    const bodies = async (api: ApiClient, params: Record<string, string>) => {
      const res = await search(api, params);
      expect(res.status, res.text).toBe(200);
      return (res.json as SearchPage).results.map((r) => r.message.body);
    };

    it("finds every word and quoted phrases, newest first, with the matched words marked in plain-text parts", async () => {
      const { alice, bob, ops, dev } = await team();
      const w = rare();
      await post(alice, ops.id, `${w} build failed on <main>`);
      const newest = await post(bob, dev.id, `${w} failed build, retrying`);
      await post(alice, ops.id, `${w} alone`);
      expect(await bodies(bob, { q: `${w} build FAILED` })).toEqual([`${w} failed build, retrying`, `${w} build failed on <main>`]);
      const phrase = await search(bob, { q: `${w} "build failed"` });
      expect(phrase.json).toEqual({
        results: [
          {
            message: expect.objectContaining({ id: expect.any(String), body: `${w} build failed on <main>`, roomId: ops.id }),
            room: { id: ops.id, name: ops.name },
            snippet: [
              { text: w, match: true },
              { text: " " },
              { text: "build", match: true },
              { text: " " },
              { text: "failed", match: true },
              { text: " on <main>" },
            ],
          },
        ],
        next: null,
      });
      // Text that looks like markup is searched as the words it holds, and given back as it was written.
      expect(await bodies(bob, { q: `${w} <MAIN>` })).toEqual([`${w} build failed on <main>`]);
      const [top] = (await search(bob, { q: `${w} retrying` })).json.results;
      expect(top.message).toMatchObject({ id: newest.id, seq: newest.seq, user: { username: expect.any(String) } });
    });

    it("narrows by from:, in:, roomId and days, as operators and as parameters", async () => {
      const { alice, aliceUser, bob, bobUser, ops, dev } = await team();
      const w = rare();
      const sent = await post(alice, ops.id, `${w} from alice in ops`);
      await post(bob, ops.id, `${w} from bob in ops`);
      await post(alice, dev.id, `${w} from alice in dev`);
      expect(await bodies(bob, { q: `${w} from:@${aliceUser.username}` })).toEqual([`${w} from alice in dev`, `${w} from alice in ops`]);
      expect(await bodies(bob, { q: w, from: bobUser.username })).toEqual([`${w} from bob in ops`]);
      expect(await bodies(bob, { q: `${w} in:"${dev.name.toUpperCase()}"` })).toEqual([`${w} from alice in dev`]);
      expect(await bodies(bob, { q: `${w} from:${aliceUser.username}`, roomId: ops.id })).toEqual([`${w} from alice in ops`]);
      const today = day(sent.createdAt);
      expect(await bodies(bob, { q: `${w} before:${today}` })).toEqual([]);
      expect(await bodies(bob, { q: `${w} in:${ops.name}`, before: day(sent.createdAt, 1), after: day(sent.createdAt, -1) })).toHaveLength(2);
      expect(await bodies(bob, { q: `${w} after:${today}` })).toEqual([]);
    });

    it("pages with next until null, each result once", async () => {
      const { alice, ops } = await team();
      const w = rare();
      for (let i = 0; i < 5; i++) await post(alice, ops.id, `${w} number ${i}`);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await search(alice, { q: w, limit: "2", ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        const page = res.json as SearchPage;
        expect(page.results.length).toBeLessThanOrEqual(2);
        seen.push(...page.results.map((r) => r.message.body));
        cursor = page.next;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => `${w} number ${i}`));
    });

    it("never finds a deleted message, and finds an edited one by its new words only", async () => {
      const { alice, ops } = await team();
      const [old, fresh, gone] = [rare(), rare(), rare()];
      const edited = await post(alice, ops.id, `${old} draft`);
      const deleted = await post(alice, ops.id, `${gone} oops`);
      expect((await alice.request("PATCH", `/api/rooms/${ops.id}/messages/${edited.id}`, { body: `${fresh} final` })).status).toBe(200);
      expect((await alice.request("DELETE", `/api/rooms/${ops.id}/messages/${deleted.id}`)).status).toBe(200);
      expect(await bodies(alice, { q: old })).toEqual([]);
      expect(await bodies(alice, { q: gone })).toEqual([]);
      const [hit] = (await search(alice, { q: fresh })).json.results;
      expect(hit.message).toMatchObject({ id: edited.id, body: `${fresh} final`, editedAt: expect.any(String) });
    });

    it("shows a non-member nothing of a room: no results, 403 for its id, 404 for an unknown one", async () => {
      const { alice, carol, ops } = await team();
      const w = rare();
      await post(alice, ops.id, `${w} members only`);
      expect(await bodies(carol, { q: w })).toEqual([]);
      expect(await bodies(carol, { q: `${w} in:${ops.name}` })).toEqual([]);
      expectError(await search(carol, { q: w, roomId: ops.id }), 403, "forbidden");
      expectError(await search(carol, { q: w, roomId: crypto.randomUUID() }), 404, "not_found");
      expectError(await new ApiClient(first()).request("GET", `/api/search?q=${w}`), 401, "unauthorized");
    });

    it("answers 400 invalid_request for a query with nothing to search, a bad day, a long query, a bad cursor or limit", async () => {
      const { alice } = await team();
      for (const params of [
        {},
        { q: "" },
        { q: "  from:someone  " },
        { q: "hi before:2026-02-30" },
        { q: "hi", after: "last week" },
        { q: "x".repeat(257) },
        { q: "hi", cursor: "bogus" },
        { q: "hi", limit: "0" },
        { q: "hi", limit: "51" },
      ]) {
        expectError(await search(alice, params as Record<string, string>), 400, "invalid_request");
      }
    });
  });
}
