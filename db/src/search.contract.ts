import { parseSearchQuery, type SearchQuery, type User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import type { Store } from "./store.ts";

/** A word no other test (or run, on a shared database) writes. */
const rare = () => `w${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;

const parsed = (q: string): SearchQuery => {
  const result = parseSearchQuery(q);
  if (!result.ok) throw new Error(result.message);
  return result.query;
};

/**
 * Full-text search: part of the Store contract, run against PGlite and PostgreSQL. `fixtures` makes
 * two rooms of alice's (`ops` and `dev`) with bob in both, and carol outside them.
 */
export function searchContract(
  fixtures: () => Promise<{ store: Store; ops: { id: string; name: string }; dev: { id: string; name: string }; alice: User; bob: User; carol: User }>,
) {
  describe("search", () => {
    const at = (day: string) => new Date(`${day}T12:00:00.000Z`);
    const post = (store: Store, roomId: string, user: User, body: string, createdAt = new Date()) =>
      store.appendMessage({ id: crypto.randomUUID(), roomId, user, body, clientId: null, createdAt }).then((a) => a.message);
    const bodies = async (store: Store, userId: string, q: string, roomId?: string) =>
      (await store.search(userId, { query: parsed(q), ...(roomId ? { roomId } : {}) }, { limit: 50 }))!.results.map((r) => r.message.body);

    it("finds messages holding every word, in any case, newest first, with the matches marked", async () => {
      const { store, ops, dev, alice, bob } = await fixtures();
      const w = rare();
      await post(store, ops.id, alice, `the ${w} deploy failed`, at("2026-03-01"));
      await post(store, dev.id, bob, `${w.toUpperCase()} deploy went fine`, at("2026-03-02"));
      await post(store, ops.id, alice, `${w} only, no other word`, at("2026-03-03"));
      const page = (await store.search(bob.id, { query: parsed(`${w} DEPLOY`) }, { limit: 10 }))!;
      expect(page.results.map((r) => r.message.body)).toEqual([`${w.toUpperCase()} deploy went fine`, `the ${w} deploy failed`]);
      expect(page.next).toBeNull();
      const [newest, oldest] = page.results;
      expect(newest!.room).toEqual({ id: dev.id, name: dev.name });
      expect(newest!.message).toMatchObject({ roomId: dev.id, user: { id: bob.id, username: bob.username } });
      expect(oldest!.snippet).toEqual([{ text: "the " }, { text: w, match: true }, { text: " " }, { text: "deploy", match: true }, { text: " failed" }]);
    });

    it("matches a quoted phrase only with its words together and in order", async () => {
      const { store, ops, alice } = await fixtures();
      const w = rare();
      await post(store, ops.id, alice, `${w} build failed again`);
      await post(store, ops.id, alice, `${w} failed build`);
      await post(store, ops.id, alice, `${w} build, then it failed`);
      expect(await bodies(store, alice.id, `${w} "build failed"`)).toEqual([`${w} build failed again`]);
    });

    it("narrows by author, room name, room id and UTC days", async () => {
      const { store, ops, dev, alice, bob } = await fixtures();
      const w = rare();
      await post(store, ops.id, alice, `${w} one`, at("2026-01-10"));
      await post(store, ops.id, bob, `${w} two`, at("2026-01-11"));
      await post(store, dev.id, alice, `${w} three`, at("2026-01-12"));
      expect(await bodies(store, bob.id, `${w} from:${alice.username.toUpperCase()}`)).toEqual([`${w} three`, `${w} one`]);
      expect(await bodies(store, bob.id, `${w} in:${ops.name.toUpperCase()}`)).toEqual([`${w} two`, `${w} one`]);
      expect(await bodies(store, bob.id, w, dev.id)).toEqual([`${w} three`]);
      expect(await bodies(store, bob.id, `${w} before:2026-01-11`)).toEqual([`${w} one`]);
      expect(await bodies(store, bob.id, `${w} after:2026-01-11`)).toEqual([`${w} three`]);
      expect(await bodies(store, bob.id, `${w} after:2026-01-10 before:2026-01-12`)).toEqual([`${w} two`]);
      expect(await bodies(store, bob.id, `${w} from:nobody_at_all`)).toEqual([]);
      expect(await bodies(store, bob.id, `${w} in:no-such-room`)).toEqual([]);
    });

    it("pages newest first with a cursor, without gaps or repeats among messages sent at the same instant", async () => {
      const { store, ops, dev, alice } = await fixtures();
      const w = rare();
      const same = new Date();
      for (let i = 0; i < 7; i++) await post(store, i % 2 ? dev.id : ops.id, alice, `${w} ${i}`, i < 4 ? same : new Date(same.getTime() + i));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = (await store.search(alice.id, { query: parsed(w) }, { limit: 3, ...(cursor ? { cursor } : {}) }))!;
        seen.push(...page.results.map((r) => r.message.body));
        cursor = page.next ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.slice(0, 3)).toEqual([`${w} 6`, `${w} 5`, `${w} 4`]);
      expect([...seen].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `${w} ${i}`).sort());
      expect(await store.search(alice.id, { query: parsed(w) }, { limit: 3, cursor: "not-a-cursor" })).toBeNull();
    });

    it("never finds a deleted message, and finds an edited one by its new words only", async () => {
      const { store, ops, alice } = await fixtures();
      const [old, fresh, gone] = [rare(), rare(), rare()];
      const edited = await post(store, ops.id, alice, `${old} first draft`);
      const deleted = await post(store, ops.id, alice, `${gone} secret`);
      await store.editMessage({ roomId: ops.id, messageId: edited.id, user: alice, body: `${fresh} final text`, at: new Date() });
      await store.deleteMessage({ roomId: ops.id, messageId: deleted.id, user: alice, at: new Date() });
      expect(await bodies(store, alice.id, old)).toEqual([]);
      const [hit] = (await store.search(alice.id, { query: parsed(fresh) }, { limit: 5 }))!.results;
      expect(hit!.message).toMatchObject({ id: edited.id, body: `${fresh} final text`, editedAt: expect.any(String) });
      expect(await bodies(store, alice.id, gone)).toEqual([]);
    });

    it("searches only the rooms the user is a member of, and none after leaving", async () => {
      const { store, ops, dev, alice, bob, carol } = await fixtures();
      const w = rare();
      await post(store, ops.id, alice, `${w} in ops`);
      await post(store, dev.id, alice, `${w} in dev`);
      expect(await bodies(store, carol.id, w)).toEqual([]);
      expect(await bodies(store, carol.id, w, ops.id)).toEqual([]);
      expect(await bodies(store, carol.id, `${w} in:${ops.name}`)).toEqual([]);
      await store.leave(ops.id, bob.id);
      expect(await bodies(store, bob.id, w)).toEqual([`${w} in dev`]);
    });
  });
}
