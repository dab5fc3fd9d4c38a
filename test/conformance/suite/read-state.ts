import { beforeEach, describe, expect, it } from "vitest";
import type { UserEvent } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, eventually, expectError, settle } from "./support.ts";

const V2 = { protocols: ["parley.v2"] };
const V1 = { protocols: ["parley.v1"] };

/** Read markers kept by the server and followed by every device (docs/protocol.md, "Read state"). */
export function readStateTests({ first, target, sockets }: SuiteContext) {
  const layouts = [
    { label: "on one target", ends: () => [first(), first()] as const, needs: 1 },
    { label: "across two targets", ends: () => [target().urls[0]!, target().urls[1]!] as const, needs: 2 },
  ];

  /** alice's room with a few messages, bob joined after the first; bob's second device on `there`. */
  async function setup(here: string, there: string) {
    const alice = new ApiClient(here);
    await alice.register(uniqueName("alice"));
    const bob = new ApiClient(here);
    const bobUser = await bob.register(uniqueName("bob"));
    const room = await alice.createRoom(uniqueName("Reading"));
    await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "before bob" });
    const joined = await bob.request("POST", `/api/rooms/${room.id}/join`);
    const post = async (body: string) => (await alice.request("POST", `/api/rooms/${room.id}/messages`, { body })).json.message as { seq: number };
    const laptop = new ApiClient(there);
    laptop.token = bob.token;
    return { alice, bob, bobUser, laptop, room, joined: joined.json.room, post };
  }
  const reads = (socket: SocketClient) => (socket.all("userEvent") as UserEvent[]).filter((e) => e.kind === "read");
  async function subscribeUser(socket: SocketClient) {
    socket.send({ type: "subscribeUser" });
    await socket.next("userSubscribed");
  }
  const readStateOf = async (api: ApiClient, roomId: string) => {
    const { rooms } = (await api.request("GET", "/api/rooms?joined=true")).json;
    const { lastReadSeq, unreadCount, mentionCount } = rooms.find((r: { id: string }) => r.id === roomId);
    return { lastReadSeq, unreadCount, mentionCount };
  };

  for (const layout of layouts) {
    describe(`read state, ${layout.label}`, () => {
      let here: string;
      let there: string;
      beforeEach((ctx) => {
        if (target().urls.length < layout.needs) return ctx.skip();
        [here, there] = layout.ends();
      });

      it("starts a new member with everything before read, and counts unread messages and mentions past the marker", async () => {
        const { bob, bobUser, room, joined, post } = await setup(here, there);
        expect(joined).toMatchObject({ id: room.id, lastReadSeq: 1, unreadCount: 0, mentionCount: 0 });
        await post("one");
        await post(`two @${bobUser.username}`);
        await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "bob's own does not count" });
        const three = await post("three");
        expect(await readStateOf(bob, room.id)).toEqual({ lastReadSeq: 1, unreadCount: 3, mentionCount: 1 });
        const answer = await bob.request("POST", `/api/rooms/${room.id}/read`, { seq: three.seq - 2 });
        expect(answer.status).toBe(200);
        expect(answer.json).toEqual({ readState: { lastReadSeq: three.seq - 2, unreadCount: 1, mentionCount: 0 } });
      });

      it("tells every device of the user when the marker moves, never moves it back, and stops at the newest seq", async () => {
        const { bob, laptop, room, post } = await setup(here, there);
        const phone = sockets.add(await bob.socket(V2));
        const desk = sockets.add(await laptop.socket(V2));
        for (const s of [phone, desk]) await subscribeUser(s);
        const a = await post("a");
        const b = await post("b");
        await bob.request("POST", `/api/rooms/${room.id}/read`, { seq: a.seq });
        await laptop.request("POST", `/api/rooms/${room.id}/read`, { seq: b.seq + 100 });
        for (const s of [phone, desk]) await eventually(async () => reads(s).length === 2);
        const back = await bob.request("POST", `/api/rooms/${room.id}/read`, { seq: a.seq });
        expect(back.json.readState).toEqual({ lastReadSeq: b.seq, unreadCount: 0, mentionCount: 0 });
        await settle();
        for (const s of [phone, desk]) {
          expect(reads(s).map((e) => [e.roomId, e.readSeq])).toEqual([
            [room.id, a.seq],
            [room.id, b.seq],
          ]);
        }
        expect(await readStateOf(laptop, room.id)).toEqual({ lastReadSeq: b.seq, unreadCount: 0, mentionCount: 0 });
      });

      it("gives the read state in a v2 subscribed, counted up to its lastSeq, and none in v1", async () => {
        const { bob, bobUser, room, post } = await setup(here, there);
        await post(`hey @${bobUser.username}`);
        await post("and more");
        const v2 = sockets.add(await bob.socket(V2));
        const subscribed = await v2.subscribe(room.id);
        expect(subscribed).toMatchObject({ lastReadSeq: 1, unreadCount: 2, mentionCount: 1, lastSeq: 3 });
        const v1 = sockets.add(await bob.socket(V1));
        const old = await v1.subscribe(room.id);
        expect(old).not.toHaveProperty("unreadCount");
        expect(old).not.toHaveProperty("lastReadSeq");
      });

      it("refuses a bad marker, a non-member, an unknown room and no token", async () => {
        const { room } = await setup(here, there);
        const outsider = new ApiClient(here);
        await outsider.register(uniqueName("out"));
        expectError(await outsider.request("POST", `/api/rooms/${room.id}/read`, { seq: 1 }), 403, "forbidden");
        expectError(await outsider.request("POST", `/api/rooms/${crypto.randomUUID()}/read`, { seq: 1 }), 404, "not_found");
        for (const body of [{}, { seq: -1 }, { seq: 1.5 }, { seq: "3" }])
          expectError(await outsider.request("POST", `/api/rooms/${room.id}/read`, body), 400, "invalid_request");
        expectError(await new ApiClient(here).request("POST", `/api/rooms/${room.id}/read`, { seq: 1 }), 401, "unauthorized");
      });
    });
  }
}
