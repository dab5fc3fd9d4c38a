import { beforeEach, describe, expect, it } from "vitest";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, nextAfter, settle, range, seqs, sortById, eventually } from "./support.ts";

export function realtimeTests({ first, target, sockets }: SuiteContext) {
  // Real-time behaviour between two clients: on one target, then (with two URLs) on two.
  const layouts = [
    { label: "on one target", ends: () => [first(), first()] as const, needs: 1 },
    { label: "across two targets", ends: () => [target().urls[0]!, target().urls[1]!] as const, needs: 2 },
  ];
  for (const layout of layouts) {
    describe(`real time, ${layout.label}`, () => {
      let here: string;
      let there: string;
      beforeEach((ctx) => {
        if (target().urls.length < layout.needs) return ctx.skip();
        [here, there] = layout.ends();
      });

      /** Two members of a fresh room: `alice` (the creator) talks to `here`, `bob` to `there`. */
      async function twoMembers() {
        const alice = new ApiClient(here);
        const aliceUser = await alice.register(uniqueName("alice"));
        const bob = new ApiClient(there);
        const bobUser = await bob.register(uniqueName("bob"));
        const room = await alice.createRoom(uniqueName("Live"));
        await bob.join(room.id);
        return { alice, aliceUser, bob, bobUser, room };
      }

      it("delivers every message once, in seq order, to every subscriber; the sender gets an ack with the stored message", async () => {
        const { alice, bob, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        const b = sockets.add(await bob.socket());
        await a.subscribe(room.id);
        await b.subscribe(room.id);
        const acks = await Promise.all(range(1, 10).map((i) => (i % 2 ? a : b).sendMessage(room.id, `message ${i}`, `c-${i}`)));
        const stored = (await alice.history(room.id)).messages;
        expect(seqs(stored)).toEqual(range(1, 10));
        for (const ack of acks) expect(ack.message).toEqual(stored.find((m) => m.id === ack.message.id));
        for (const socket of [a, b]) expect(await socket.waitForMessages(room.id, 10)).toEqual(stored);
        await settle();
        expect(a.messages(room.id)).toHaveLength(10);
        expect(b.messages(room.id)).toHaveLength(10);
      });

      it("stores a burst of frames from one socket in the order it sent them, each acked once", async () => {
        const { alice, bob, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        const b = sockets.add(await bob.socket());
        await a.subscribe(room.id);
        await b.subscribe(room.id);
        // Every frame goes out before the first ack can come back.
        const acks = await Promise.all(range(1, 40).map((i) => a.sendMessage(room.id, `burst ${i}`, `burst-${i}`)));
        expect(acks.map((ack) => ack.message.body)).toEqual(range(1, 40).map((i) => `burst ${i}`));
        expect(acks.map((ack) => ack.message.seq)).toEqual(range(1, 40));
        expect((await b.waitForMessages(room.id, 40)).map((m) => m.body)).toEqual(range(1, 40).map((i) => `burst ${i}`));
        await settle();
        expect(a.all("ack")).toHaveLength(40);
      });

      it("delivers messages posted over HTTP to subscribers", async () => {
        const { alice, bob, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        await a.subscribe(room.id);
        const posted = await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "over http" });
        expect((await a.waitForMessages(room.id, 1))[0]).toEqual(posted.json.message);
      });

      it("acks a repeated clientId with the same message and stores it once", async () => {
        const { alice, bob, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        const b = sockets.add(await bob.socket());
        await a.subscribe(room.id);
        await b.subscribe(room.id);
        a.send({ type: "message", roomId: room.id, body: "only once", clientId: "dup" });
        a.send({ type: "message", roomId: room.id, body: "only once", clientId: "dup" });
        await eventually(async () => a.all("ack").length === 2);
        const [ack, repeated] = a.all("ack");
        expect(repeated!.message).toEqual(ack!.message);
        const viaHttp = await new ApiClient(there, alice.token).request("POST", `/api/rooms/${room.id}/messages`, { body: "only once", clientId: "dup" });
        expect(viaHttp.status).toBe(200);
        expect(viaHttp.json.message).toEqual(ack!.message);
        expect((await alice.history(room.id)).messages).toEqual([ack!.message]);
        await settle();
        expect(a.messages(room.id)).toEqual([ack!.message]);
        expect(b.messages(room.id)).toEqual([ack!.message]);
      });

      it("announces presence join with the online list, and leave when the socket closes", async () => {
        const { alice, aliceUser, bob, bobUser, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        expect((await a.subscribe(room.id)).online).toEqual([aliceUser]);
        const b = sockets.add(await bob.socket());
        const subscribed = await b.subscribe(room.id);
        expect(sortById(subscribed.online)).toEqual(sortById([aliceUser, bobUser]));
        const join = await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
        expect(join).toMatchObject({ roomId: room.id, user: bobUser });
        expect(sortById(join.online!)).toEqual(sortById([aliceUser, bobUser]));
        expect(sortById((await bob.request("GET", `/api/rooms/${room.id}/presence`)).json.online)).toEqual(sortById([aliceUser, bobUser]));

        await b.close();
        const leave = await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
        expect(leave).toMatchObject({ roomId: room.id, user: bobUser, online: [aliceUser] });
        expect((await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online).toEqual([aliceUser]);
      });

      it("counts two tabs of one user once: closing one sends no leave", async () => {
        const { alice, aliceUser, bob, bobUser, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        await a.subscribe(room.id);
        const tab1 = sockets.add(await new ApiClient(here, bob.token).socket());
        const tab2 = sockets.add(await new ApiClient(there, bob.token).socket());
        await tab1.subscribe(room.id);
        await a.next("presence", (f) => f.event === "join" && f.user.id === bobUser.id);
        expect(sortById((await tab2.subscribe(room.id)).online)).toEqual(sortById([aliceUser, bobUser]));
        await tab1.close();
        await settle();
        expect(sortById((await alice.request("GET", `/api/rooms/${room.id}/presence`)).json.online)).toEqual(sortById([aliceUser, bobUser]));
        await tab2.close();
        await a.next("presence", (f) => f.event === "leave" && f.user.id === bobUser.id);
        await settle();
        const aboutBob = a.all("presence").filter((f) => f.user.id === bobUser.id);
        expect(aboutBob.map((f) => f.event)).toEqual(["join", "leave"]);
      });

      it("sends typing to the others in the room, not to the typist", async () => {
        const { alice, bob, bobUser, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        const b = sockets.add(await bob.socket());
        await a.subscribe(room.id);
        await b.subscribe(room.id);
        b.send({ type: "typing", roomId: room.id });
        expect(await a.next("typing")).toEqual({ type: "typing", roomId: room.id, user: bobUser });
        await settle();
        expect(b.all("typing")).toEqual([]);
      });

      it("resumes with afterSeq: exactly the missed messages in order, then live ones, no duplicates", async () => {
        const { alice, bob, room } = await twoMembers();
        const b = sockets.add(await bob.socket());
        await b.subscribe(room.id);
        const before = sockets.add(await new ApiClient(there, alice.token).socket());
        await before.subscribe(room.id);
        for (const i of [1, 2]) await b.sendMessage(room.id, `message ${i}`, `c-${i}`);
        const lastSeen = (await before.waitForMessages(room.id, 2)).at(-1)!.seq;
        await before.close();

        for (const i of range(3, 7)) await b.sendMessage(room.id, `message ${i}`, `c-${i}`);
        const after = sockets.add(await alice.socket()); // the other target when there are two
        const subscribed = await after.subscribe(room.id, lastSeen);
        expect(subscribed).toMatchObject({ lastSeq: 7, limited: false });
        expect((await after.waitForMessages(room.id, 5)).map((m) => m.body)).toEqual(range(3, 7).map((i) => `message ${i}`));
        // The replay comes right after `subscribed`, before anything live.
        const index = after.frames.indexOf(subscribed);
        expect(after.frames.slice(index + 1, index + 6).map((f) => f.type)).toEqual(Array(5).fill("message"));

        for (const i of range(8, 10)) await b.sendMessage(room.id, `message ${i}`, `c-${i}`);
        await after.waitForMessages(room.id, 8);
        await settle();
        expect(seqs(after.messages(room.id))).toEqual(range(3, 10));
      });

      it("resumes without loss or duplicates while messages keep coming", async () => {
        const { alice, bob, room } = await twoMembers();
        const b = sockets.add(await bob.socket());
        await b.subscribe(room.id);
        const total = 40;
        const sending = Promise.all(range(1, total).map((i) => b.sendMessage(room.id, `burst ${i}`, `b-${i}`)));
        await b.waitForMessages(room.id, 10);
        const a = sockets.add(await alice.socket());
        await a.subscribe(room.id, 5);
        await sending;
        await a.waitForMessages(room.id, total - 5);
        await settle();
        expect(seqs(a.messages(room.id))).toEqual(range(6, total));
      });

      it("ends the subscription when the user leaves the room over HTTP: unsubscribed {reason: left}, no more messages", async () => {
        const { alice, aliceUser, bob, room } = await twoMembers();
        const a = sockets.add(await alice.socket());
        const b = sockets.add(await bob.socket());
        await a.subscribe(room.id);
        await b.subscribe(room.id);
        const left = await new ApiClient(there, alice.token).request("POST", `/api/rooms/${room.id}/leave`);
        expect(left.status).toBe(200);
        expect(await a.next("unsubscribed")).toEqual({ type: "unsubscribed", roomId: room.id, reason: "left" });
        await b.next("presence", (f) => f.event === "leave" && f.user.id === aliceUser.id);
        await b.sendMessage(room.id, "after alice left", "c-after");
        await b.waitForMessages(room.id, 1);
        const since = a.frames.length;
        a.send({ type: "message", roomId: room.id, body: "am I still here?", clientId: "c-gone" });
        expect(await nextAfter(a, since, "error")).toMatchObject({ code: "forbidden", clientId: "c-gone" });
        await settle();
        expect(a.messages(room.id)).toEqual([]);
      });
    });
  }
}
