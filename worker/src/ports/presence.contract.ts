import type { User } from "@parley/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Presence } from "./presence.ts";

/** One worker's presence, and how to tear it down (close it, delete what it stored). */
export interface PresenceFixture {
  presence: Presence;
  cleanup(): Promise<void>;
}

const user = (username: string): User => ({ id: crypto.randomUUID(), username });

/**
 * The Presence contract for one worker: one suite, run against every implementation. Multi-worker
 * behaviour (dedupe across workers, expiry) only exists where workers share state and is tested there.
 */
export function presenceContract(name: string, make: () => Promise<PresenceFixture>) {
  describe(`Presence contract: ${name}`, () => {
    let fixture: PresenceFixture;
    let presence: Presence;
    let room: string;

    beforeEach(async () => {
      fixture = await make();
      presence = fixture.presence;
      room = crypto.randomUUID();
    });
    afterEach(() => fixture.cleanup());

    it("add answers true the first time and false when the user is already online", async () => {
      const alice = user("alice");
      expect(await presence.add(room, alice)).toBe(true);
      expect(await presence.add(room, alice)).toBe(false);
      expect(await presence.online(room)).toEqual([alice]);
    });

    it("keeps rooms apart", async () => {
      const alice = user("alice");
      const other = crypto.randomUUID();
      expect(await presence.add(room, alice)).toBe(true);
      expect(await presence.add(other, alice)).toBe(true);
      expect(await presence.remove(room, alice)).toBe(true);
      expect(await presence.online(room)).toEqual([]);
      expect(await presence.online(other)).toEqual([alice]);
    });

    it("remove answers true when the user is gone, false when they were not there", async () => {
      const alice = user("alice");
      const bob = user("bob");
      expect(await presence.remove(room, alice)).toBe(false);
      await presence.add(room, alice);
      await presence.add(room, bob);
      expect(await presence.remove(room, alice)).toBe(true);
      expect(await presence.remove(room, alice)).toBe(false);
      expect(await presence.online(room)).toEqual([bob]);
      // Coming back counts as a fresh arrival.
      expect(await presence.add(room, alice)).toBe(true);
    });

    it("lists the online users sorted by username, each once", async () => {
      const [carol, alice, dave, bob] = ["carol", "alice", "dave", "bob"].map(user) as [User, User, User, User];
      for (const u of [carol, alice, dave, bob, alice]) await presence.add(room, u);
      await presence.remove(room, dave);
      expect(await presence.online(room)).toEqual([alice, bob, carol]);
      expect(await presence.online(crypto.randomUUID())).toEqual([]);
    });

    it("counts the online users of each room asked for", async () => {
      const other = crypto.randomUUID();
      const empty = crypto.randomUUID();
      const [alice, bob, carol] = ["alice", "bob", "carol"].map(user) as [User, User, User];
      for (const u of [alice, bob, carol]) await presence.add(room, u);
      await presence.add(other, bob);
      await presence.remove(room, carol);
      const counts = await presence.onlineCounts([room, other, empty]);
      expect(counts).toEqual(
        new Map([
          [room, 2],
          [other, 1],
          [empty, 0],
        ]),
      );
      expect(await presence.onlineCounts([])).toEqual(new Map());
    });

    it("counts each online user once, whatever the order of adds and removes", async () => {
      const people = Array.from({ length: 12 }, (_, i) => user(`user${i}`));
      const online = new Set<string>();
      // A fixed pseudo-random walk: adds of users already online and removes of absent ones included.
      let state = 7;
      for (let step = 0; step < 80; step++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        const who = people[state % people.length]!;
        if ((state >> 8) % 3 === 0) {
          expect(await presence.remove(room, who)).toBe(online.delete(who.id));
        } else {
          expect(await presence.add(room, who)).toBe(!online.has(who.id));
          online.add(who.id);
        }
        expect((await presence.onlineCounts([room])).get(room)).toBe(online.size);
      }
      expect((await presence.online(room)).map((u) => u.id).sort()).toEqual([...online].sort());
    });

    it("counts a large room without listing it", async () => {
      const crowd = Array.from({ length: 1500 }, (_, i) => user(`crowd${i}`));
      await Promise.all(crowd.map((u) => presence.add(room, u)));
      expect(await presence.onlineCounts([room])).toEqual(new Map([[room, 1500]]));
      await Promise.all(crowd.slice(0, 500).map((u) => presence.remove(room, u)));
      expect(await presence.onlineCounts([room])).toEqual(new Map([[room, 1000]]));
      expect(await presence.online(room)).toHaveLength(1000);
    });

    it("sweeps nobody while its own entries are live", async () => {
      await presence.add(room, user("alice"));
      expect(await presence.sweep()).toEqual([]);
      expect(await presence.online(room)).toHaveLength(1);
    });
  });
}
