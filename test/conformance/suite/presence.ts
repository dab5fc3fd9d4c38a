import { beforeEach, describe, expect, it } from "vitest";
import type { ServerFrame, User } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, eventually, expectError, settle, sortById, upgrade } from "./support.ts";

type Presence = Extract<ServerFrame, { type: "presence" }>;
const V2 = ["parley.v2"];

export function presenceTests({ first, target, sockets }: SuiteContext) {
  describe("parley.v2 negotiation", () => {
    it("answers parley.v2 when offered (whatever the order), parley.v1 when only it is, and says which in hello", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      for (const [offered, answer] of [
        [["parley.v1", "parley.v2"], "parley.v2"],
        [["parley.v2"], "parley.v2"],
        [["parley.v1"], "parley.v1"],
      ] as const) {
        const opened = await upgrade(first(), { protocols: [...offered, `bearer.${api.token}`] });
        if (!("ws" in opened)) throw new Error(`upgrade refused: ${opened.status}`);
        expect(opened.ws.protocol).toBe(answer);
        expect(opened.firstFrame).toMatchObject({ type: "hello", protocol: answer === "parley.v2" ? 2 : 1 });
        opened.ws.close();
      }
    });
  });

  const layouts = [
    { label: "on one target", ends: () => [first(), first()] as const, needs: 1 },
    { label: "across two targets", ends: () => [target().urls[0]!, target().urls[1]!] as const, needs: 2 },
  ];
  for (const layout of layouts) {
    describe(`presence per version, ${layout.label}`, () => {
      let here: string;
      let there: string;
      beforeEach((ctx) => {
        if (target().urls.length < layout.needs) return ctx.skip();
        [here, there] = layout.ends();
      });

      async function room() {
        const alice = new ApiClient(here);
        const aliceUser = await alice.register(uniqueName("alice"));
        const bob = new ApiClient(there);
        const bobUser = await bob.register(uniqueName("bob"));
        const created = await alice.createRoom(uniqueName("Presence"));
        await bob.join(created.id);
        return { alice, aliceUser, bob, bobUser, room: created };
      }

      it("v2: subscribed lists who is online with onlineCount; presence carries the change and the count, not the list", async () => {
        const { alice, aliceUser, bob, bobUser, room: r } = await room();
        const a = sockets.add(await alice.socket({ protocols: V2 }));
        expect(await a.subscribe(r.id)).toEqual({
          type: "subscribed",
          roomId: r.id,
          online: [aliceUser],
          onlineCount: 1,
          lastSeq: 0,
          limited: false,
          lastReadSeq: 0,
          unreadCount: 0,
          mentionCount: 0,
        });
        const b = sockets.add(await bob.socket({ protocols: V2 }));
        const subscribed = await b.subscribe(r.id);
        expect(sortById(subscribed.online)).toEqual(sortById([aliceUser, bobUser]));
        expect(subscribed.onlineCount).toBe(2);
        expect(subscribed).not.toHaveProperty("onlineTruncated");
        const join = await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
        expect(join).toEqual({ type: "presence", roomId: r.id, event: "join", user: bobUser, onlineCount: 2 });
        await b.close();
        const leave = await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
        expect(leave).toEqual({ type: "presence", roomId: r.id, event: "leave", user: bobUser, onlineCount: 1 });
      });

      it("v1 clients keep getting the whole list in presence, next to v2 clients in the same room", async () => {
        const { alice, aliceUser, bob, bobUser, room: r } = await room();
        const v1 = sockets.add(await alice.socket());
        const v2 = sockets.add(await new ApiClient(here, alice.token).socket({ protocols: V2 }));
        const v1Subscribed = await v1.subscribe(r.id);
        expect(v1Subscribed.online).toEqual([aliceUser]);
        expect(v1Subscribed).not.toHaveProperty("onlineCount");
        await v2.subscribe(r.id);
        const b = sockets.add(await bob.socket({ protocols: V2 }));
        await b.subscribe(r.id);
        const oldStyle = await v1.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
        expect(Object.keys(oldStyle).sort()).toEqual(["event", "online", "roomId", "type", "user"]);
        expect(sortById(oldStyle.online!)).toEqual(sortById([aliceUser, bobUser]));
        expect(await v2.next("presence", (f) => f.user.id === bobUser.id)).toEqual({
          type: "presence",
          roomId: r.id,
          event: "join",
          user: bobUser,
          onlineCount: 2,
        });
      });
    });
  }

  describe("GET /api/rooms/:roomId/presence paging", () => {
    it("pages with ?limit= and next until the last page, which is {online} alone; refuses a made-up cursor", async () => {
      const owner = new ApiClient(first());
      await owner.register(uniqueName("owner"));
      const r = await owner.createRoom(uniqueName("Paged"));
      const people: User[] = [];
      for (let i = 0; i < 3; i++) {
        const api = new ApiClient(first());
        people.push(await api.register(uniqueName(`p${i}`)));
        await api.join(r.id);
        await sockets.add(await api.socket({ protocols: V2 })).subscribe(r.id);
      }
      await eventually(async () => (await owner.request("GET", `/api/rooms/${r.id}/presence`)).json.online?.length === 3);
      const whole = await owner.request("GET", `/api/rooms/${r.id}/presence`);
      expect(Object.keys(whole.json)).toEqual(["online"]);
      const seen: User[] = [];
      let page = await owner.request("GET", `/api/rooms/${r.id}/presence?limit=2`);
      expect(page.json.online).toHaveLength(2);
      expect(page.json.next).toEqual(expect.any(String));
      seen.push(...page.json.online);
      page = await owner.request("GET", `/api/rooms/${r.id}/presence?limit=2&cursor=${encodeURIComponent(page.json.next)}`);
      expect(Object.keys(page.json)).toEqual(["online"]);
      seen.push(...page.json.online);
      expect(seen).toEqual(whole.json.online);
      expect(sortById(seen)).toEqual(sortById(people));
      expectError(await owner.request("GET", `/api/rooms/${r.id}/presence?cursor=nonsense`), 400, "invalid_request");
      expectError(await owner.request("GET", `/api/rooms/${r.id}/presence?limit=0`), 400, "invalid_request");
    });
  });

  describe("a join wave", () => {
    const N = 60;
    it(`costs v2 subscribers O(N) presence frames each and O(N²) bytes in all (N = ${N})`, async () => {
      const owner = new ApiClient(first());
      await owner.register(uniqueName("host"));
      const r = await owner.createRoom(uniqueName("Wave"));
      const members = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const api = new ApiClient(target().urls[i % target().urls.length]!);
          await api.register(uniqueName(`w${i}`));
          await api.join(r.id);
          return api;
        }),
      );
      const wave: SocketClient[] = [];
      await Promise.all(
        members.map(async (api) => {
          const socket = sockets.add(await api.socket({ protocols: V2 }));
          wave.push(socket);
          await socket.subscribe(r.id);
        }),
      );
      // Everyone has heard of everyone: the latest count each socket saw is N.
      const lastCount = (s: SocketClient) => (s.all("presence").at(-1) as Presence | undefined)?.onlineCount ?? s.all("subscribed")[0]!.onlineCount;
      await eventually(async () => wave.every((s) => lastCount(s) === N));
      await settle(500);
      for (const socket of wave) expect(socket.all("presence").length).toBeLessThanOrEqual(N);
      const bytes = wave.reduce((sum, s) => sum + s.bytes, 0);
      // A v2 presence frame is ~150 bytes and a listed user ~70: each of N sockets gets at most N of
      // each, so ~220·N² bounds the wave (v1 before coalescing sent ~N³·23 bytes: 5 MB here).
      expect(bytes).toBeLessThan(250 * N * N);
      console.info(`v2 join wave of ${N}: ${bytes} bytes to the wave's sockets`);
    });
  });
}
