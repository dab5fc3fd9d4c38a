import { beforeEach, describe, expect, it } from "vitest";
import type { UserEvent } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, eventually, expectError, settle } from "./support.ts";

const V2 = { protocols: ["parley.v2"] };
const V1 = { protocols: ["parley.v1"] };

/** @mentions and the user stream (docs/protocol.md, "Mentions" and "The user stream"). */
export function mentionTests({ first, target, sockets }: SuiteContext) {
  const layouts = [
    { label: "on one target", ends: () => [first(), first()] as const, needs: 1 },
    { label: "across two targets", ends: () => [target().urls[0]!, target().urls[1]!] as const, needs: 2 },
  ];

  /** alice's room with bob and carol in it, and dave outside; alice's client on `here`, the others on `there`. */
  async function team(here: string, there: string) {
    const alice = new ApiClient(here);
    const aliceUser = await alice.register(uniqueName("alice"));
    const [bob, carol, dave] = [new ApiClient(there), new ApiClient(there), new ApiClient(there)];
    const [bobUser, carolUser, daveUser] = [
      await bob.register(uniqueName("bob")),
      await carol.register(uniqueName("carol")),
      await dave.register(uniqueName("dave")),
    ];
    const room = await alice.createRoom(uniqueName("Mentions"));
    await bob.join(room.id);
    await carol.join(room.id);
    return { alice, aliceUser, bob, bobUser, carol, carolUser, dave, daveUser, room };
  }
  const mentions = (socket: SocketClient) => socket.all("userEvent") as UserEvent[];
  async function subscribeUser(socket: SocketClient, afterSeq?: number) {
    const since = socket.frames.length;
    socket.send({ type: "subscribeUser", ...(afterSeq === undefined ? {} : { afterSeq }) });
    return socket.next("userSubscribed", (f) => socket.frames.indexOf(f) >= since);
  }

  for (const layout of layouts) {
    describe(`mentions, ${layout.label}`, () => {
      let here: string;
      let there: string;
      beforeEach((ctx) => {
        if (target().urls.length < layout.needs) return ctx.skip();
        [here, there] = layout.ends();
      });

      it("stores the named members as mentions and delivers a mention to every tab of each, once", async () => {
        const { alice, bob, bobUser, carol, carolUser, daveUser, room } = await team(here, there);
        const tabs = [sockets.add(await bob.socket(V2)), sockets.add(await bob.socket(V2))];
        for (const tab of tabs) expect(await subscribeUser(tab)).toEqual({ type: "userSubscribed", lastSeq: 0, limited: false });
        const c = sockets.add(await carol.socket(V2));
        await subscribeUser(c);
        const body = `hey @${bobUser.username.toUpperCase()} and @${carolUser.username}, not @${daveUser.username} or a@b.c`;
        const posted = await alice.request("POST", `/api/rooms/${room.id}/messages`, { body, clientId: "m-1" });
        expect(posted.status).toBe(201);
        expect([...posted.json.message.mentions].sort()).toEqual([bobUser.id, carolUser.id].sort());
        for (const socket of [...tabs, c]) await eventually(async () => mentions(socket).length === 1);
        await settle();
        for (const tab of tabs) {
          expect(mentions(tab)).toEqual([
            {
              type: "userEvent",
              seq: 1,
              kind: "mention",
              roomId: room.id,
              at: expect.any(String),
              message: expect.objectContaining({ id: posted.json.message.id, body }),
            },
          ]);
        }
        // A repeat of the send mentions no one again.
        expect((await alice.request("POST", `/api/rooms/${room.id}/messages`, { body, clientId: "m-1" })).status).toBe(200);
        await settle();
        for (const socket of [...tabs, c]) expect(mentions(socket)).toHaveLength(1);
        const history = await bob.request("GET", `/api/rooms/${room.id}/messages`);
        expect(history.json.messages.at(-1).mentions.sort()).toEqual([bobUser.id, carolUser.id].sort());
      });

      it("@room reaches every member but the sender, and an edit mentions only the newly named", async () => {
        const { alice, bob, carol, carolUser, room } = await team(here, there);
        // Alice is the sender: her own @room does not mention her.
        const b = sockets.add(await bob.socket(V2));
        const c = sockets.add(await carol.socket(V2));
        const a = sockets.add(await alice.socket(V2));
        for (const s of [a, b, c]) await subscribeUser(s);
        const all = await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "@room standup in 5" });
        expect(all.json.message.mentions).toBeUndefined();
        await eventually(async () => mentions(b).length === 1 && mentions(c).length === 1);
        const plain = await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "on my way" });
        const edited = await bob.request("PATCH", `/api/rooms/${room.id}/messages/${plain.json.message.id}`, { body: `on my way @${carolUser.username}` });
        expect(edited.json.message.mentions).toEqual([carolUser.id]);
        await eventually(async () => mentions(c).length === 2);
        await settle();
        expect(mentions(c).map((e) => [e.seq, e.message!.id])).toEqual([
          [1, all.json.message.id],
          [2, plain.json.message.id],
        ]);
        expect(mentions(a)).toEqual([]);
        expect(mentions(b)).toHaveLength(1);
      });

      it("@here reaches the members online in the room, not the others", async () => {
        const { alice, bob, carol, room } = await team(here, there);
        const b = sockets.add(await bob.socket(V2));
        const c = sockets.add(await carol.socket(V2));
        for (const s of [b, c]) await subscribeUser(s);
        // Carol has the room open (online in it); bob only listens to his own stream.
        await c.subscribe(room.id);
        await eventually(async () => (await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online.length === 1);
        const posted = await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "@here quick question" });
        expect(posted.status).toBe(201);
        await eventually(async () => mentions(c).length === 1);
        await settle();
        expect(mentions(c)[0]).toMatchObject({ kind: "mention", message: { id: posted.json.message.id } });
        expect(mentions(b)).toEqual([]);
      });

      it("resumes the user stream after afterSeq, and pages it over HTTP", async () => {
        const { alice, bob, bobUser, room } = await team(here, there);
        for (let i = 1; i <= 3; i++) await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: `@${bobUser.username} ${i}` });
        const s = sockets.add(await bob.socket(V2));
        expect(await subscribeUser(s, 1)).toEqual({ type: "userSubscribed", lastSeq: 3, limited: false });
        await eventually(async () => mentions(s).length === 2);
        expect(mentions(s).map((e) => [e.seq, e.message!.body])).toEqual([
          [2, `@${bobUser.username} 2`],
          [3, `@${bobUser.username} 3`],
        ]);
        const page = await bob.request("GET", "/api/me/events?afterSeq=1&limit=1");
        expect(page.status).toBe(200);
        expect(page.json).toMatchObject({ lastSeq: 3, hasMore: true, events: [{ seq: 2, kind: "mention", roomId: room.id }] });
        expect((await bob.request("GET", "/api/me/events?afterSeq=2")).json).toMatchObject({ lastSeq: 3, hasMore: false, events: [{ seq: 3 }] });
        expectError(await bob.request("GET", "/api/me/events?afterSeq=-1"), 400, "invalid_request");
        expectError(await new ApiClient(here).request("GET", "/api/me/events"), 401, "unauthorized");
      });

      it("refuses the user stream on parley.v1 with an error frame", async () => {
        const { bob } = await team(here, there);
        const old = sockets.add(await bob.socket(V1));
        old.send({ type: "subscribeUser" });
        expect(await old.next("error")).toMatchObject({ code: "invalid_request" });
        expect(old.all("userSubscribed")).toEqual([]);
      });
    });
  }
}
