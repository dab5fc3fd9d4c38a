import type { User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import type { Store } from "./store.ts";

/** A name unique to this run (the PostgreSQL tests share one database). */
const unique = (base: string) => `${base}_${crypto.randomUUID().slice(0, 8)}`;

/**
 * Private rooms, DMs, roles, bans and accounts: part of the Store contract, run against PGlite and
 * PostgreSQL. `fixtures` gives the store and a way to make users.
 */
export function accessContract(fixtures: () => { store: Store; newUser: (base?: string) => Promise<User> }) {
  describe("access", () => {
    const at = new Date();
    const room = async (store: Store, owner: User, visibility: "public" | "private" = "public") =>
      (await store.createRoom({ id: crypto.randomUUID(), name: unique("r"), topic: "", createdBy: owner.id, createdAt: at, visibility }))!;

    it("says who may see a room: its kind, visibility, the user's role, a ban and admin, in one answer", async () => {
      const { store, newUser } = fixtures();
      const [alice, bob] = [await newUser("alice"), await newUser("bob")];
      const priv = await room(store, alice, "private");
      expect(priv).toMatchObject({ kind: "room", visibility: "private", memberCount: 1 });
      expect(await store.roomAccess(priv.id, alice.id)).toEqual({ room: priv, role: "owner", banned: false, admin: false });
      expect(await store.roomAccess(priv.id, bob.id)).toMatchObject({ role: null, banned: false });
      expect(await store.roomAccess(crypto.randomUUID(), bob.id)).toBeNull();
      expect((await store.listRooms({ visibleTo: bob.id, limit: 500 })).map((r) => r.id)).not.toContain(priv.id);
      expect((await store.listRooms({ visibleTo: alice.id, limit: 500 })).map((r) => r.id)).toContain(priv.id);
    });

    it("opens one DM per set of users, re-adding who left, and logs a membership event for each added", async () => {
      const { store, newUser } = fixtures();
      const [a, b, c] = [await newUser("a"), await newUser("b"), await newUser("c")];
      const first = (await store.openDm({ id: crypto.randomUUID(), userIds: [a.id, b.id, c.id], createdBy: a.id, at }))!;
      expect(first.created).toBe(true);
      expect(first.room).toMatchObject({ kind: "dm", visibility: "private", name: "", memberCount: 3, role: "member" });
      expect(first.room.members!.map((m) => m.id).sort()).toEqual([a.id, b.id, c.id].sort());
      expect(first.userEvents.map((e) => e.userId).sort()).toEqual([a.id, b.id, c.id].sort());
      expect(first.userEvents[0]!.event).toMatchObject({ kind: "membership", membership: "added", roomId: first.room.id, room: { id: first.room.id } });
      const again = (await store.openDm({ id: crypto.randomUUID(), userIds: [c.id, a.id, b.id], createdBy: c.id, at }))!;
      expect(again).toMatchObject({ created: false, room: { id: first.room.id }, userEvents: [] });
      await store.leaveRoom(first.room.id, b, at);
      const back = (await store.openDm({ id: crypto.randomUUID(), userIds: [a.id, b.id, c.id], createdBy: a.id, at }))!;
      expect(back.userEvents.map((e) => e.userId)).toEqual([b.id]);
      expect((await store.getRoom(first.room.id))?.memberCount).toBe(3);
      // The user's stream replays the event with the room.
      const [replayed] = await store.userLog(b.id, 0, Number.MAX_SAFE_INTEGER, 10);
      expect(replayed).toMatchObject({ kind: "membership", membership: "added", room: { id: first.room.id, kind: "dm" } });
      expect(await store.openDm({ id: crypto.randomUUID(), userIds: [a.id, crypto.randomUUID()], createdBy: a.id, at })).toBeNull();
      expect((await store.listDms(b.id, 10)).map((d) => d.id)).toEqual([first.room.id]);
      expect((await store.listRooms({ memberId: a.id, limit: 10 })).map((r) => r.id)).not.toContain(first.room.id);
    });

    it("lists DMs by their last message, then creation", async () => {
      const { store, newUser } = fixtures();
      const [a, b, c] = [await newUser("a"), await newUser("b"), await newUser("c")];
      const older = (await store.openDm({ id: crypto.randomUUID(), userIds: [a.id, b.id], createdBy: a.id, at: new Date(Date.now() - 60_000) }))!;
      const newer = (await store.openDm({ id: crypto.randomUUID(), userIds: [a.id, c.id], createdBy: a.id, at: new Date(Date.now() - 30_000) }))!;
      expect((await store.listDms(a.id, 10)).map((d) => d.id)).toEqual([newer.room.id, older.room.id]);
      await store.appendMessage({ id: crypto.randomUUID(), roomId: older.room.id, user: b, body: "hi", clientId: null, createdAt: new Date() });
      const listed = await store.listDms(a.id, 10);
      expect(listed.map((d) => d.id)).toEqual([older.room.id, newer.room.id]);
      expect(listed[0]!.members.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    });

    it("changes roles, never leaving a room without an owner, and logs member.role events", async () => {
      const { store, newUser } = fixtures();
      const [owner, mod, bob] = [await newUser("o"), await newUser("m"), await newUser("b")];
      const r = await room(store, owner);
      await store.join(r.id, bob.id);
      await store.join(r.id, mod.id);
      expect(await store.setRole(r.id, owner.id, "member", owner, at)).toEqual({ status: "last_owner" });
      expect(await store.setRole(r.id, crypto.randomUUID(), "member", owner, at)).toEqual({ status: "not_member" });
      const made = await store.setRole(r.id, mod.id, "moderator", owner, at);
      expect(made).toMatchObject({
        status: "ok",
        member: { id: mod.id, role: "moderator" },
        event: { kind: "member.role", member: { user: { id: mod.id }, role: "moderator" } },
      });
      expect(await store.setRole(r.id, mod.id, "moderator", owner, at)).toEqual({
        status: "ok",
        member: { id: mod.id, username: mod.username, role: "moderator" },
      });
      // The owner leaves: the moderator (not bob, who joined first) takes over.
      const { left, event } = await store.leaveRoom(r.id, owner, at);
      expect(left).toBe(true);
      expect(event).toMatchObject({ kind: "member.role", member: { user: { id: mod.id }, role: "owner" }, by: { id: owner.id } });
      expect((await store.members(r.id)).map((m) => [m.id, m.role])).toEqual(
        expect.arrayContaining([
          [mod.id, "owner"],
          [bob.id, "member"],
        ]),
      );
      const log = await store.log(r.id, 0, Number.MAX_SAFE_INTEGER, 10);
      expect(log.map((e) => ("kind" in e ? e.kind : "message"))).toEqual(["member.role", "member.role"]);
    });

    it("kicks and bans: the membership ends, a ban keeps the user out of join and addMember until lifted", async () => {
      const { store, newUser } = fixtures();
      const [owner, bob] = [await newUser("o"), await newUser("b")];
      const r = await room(store, owner);
      await store.join(r.id, bob.id);
      const kicked = await store.removeMember(r.id, bob.id, { by: owner, reason: "kicked", at });
      expect(kicked).toMatchObject({ removed: true, event: { kind: "member.removed", reason: "kicked", member: { user: { id: bob.id } } } });
      expect(kicked.userEvents).toMatchObject([{ userId: bob.id, event: { kind: "membership", membership: "removed" } }]);
      expect(await store.isMember(r.id, bob.id)).toBe(false);
      expect(await store.removeMember(r.id, bob.id, { by: owner, reason: "kicked", at })).toMatchObject({ removed: false });
      const banned = await store.removeMember(r.id, bob.id, { by: owner, reason: "banned", at });
      expect(banned).toMatchObject({ removed: false, banCreated: true, ban: { user: { id: bob.id }, bannedBy: { id: owner.id } } });
      expect((await store.removeMember(r.id, bob.id, { by: owner, reason: "banned", at })).banCreated).toBe(false);
      await store.join(r.id, bob.id);
      expect(await store.isMember(r.id, bob.id)).toBe(false);
      expect((await store.addMember(r.id, bob.id, at)).status).toBe("banned");
      expect((await store.bans(r.id)).map((b) => b.user.id)).toEqual([bob.id]);
      expect(await store.unban(r.id, bob.id)).toBe(true);
      expect(await store.unban(r.id, bob.id)).toBe(false);
      expect((await store.addMember(r.id, bob.id, at)).status).toBe("added");
      expect((await store.addMember(r.id, bob.id, at)).status).toBe("member");
      expect((await store.getRoom(r.id))?.memberCount).toBe(2);
    });

    it("updates a room's name, topic and visibility with the unique name rules, as a room.updated event", async () => {
      const { store, newUser } = fixtures();
      const owner = await newUser("o");
      const [r, other] = [await room(store, owner), await room(store, owner)];
      const updated = (await store.updateRoom(r.id, { topic: "news", visibility: "private" }, owner, at))!;
      expect(updated.room).toMatchObject({ id: r.id, name: r.name, topic: "news", visibility: "private" });
      expect(updated.event).toMatchObject({ kind: "room.updated", room: { name: r.name, topic: "news", visibility: "private" }, by: { id: owner.id } });
      expect(await store.updateRoom(r.id, { name: other.name.toUpperCase() }, owner, at)).toBeNull();
      const renamed = unique("renamed");
      expect((await store.updateRoom(r.id, { name: renamed, nameSkeleton: `skel:${renamed}` }, owner, at))!.room.name).toBe(renamed);
    });

    it("makes admins, locks accounts, finds unlocked users by prefix, and knows a refresh token's owner", async () => {
      const { store, newUser } = fixtures();
      const tag = unique("find").toLowerCase();
      const [x, y] = [await newUser(`${tag}x`), await newUser(`${tag}y`)];
      expect(await store.account(x.id)).toEqual({ user: x, admin: false, lockedAt: null });
      await store.makeAdmins([x.username.toUpperCase()]);
      expect((await store.account(x.id))?.admin).toBe(true);
      const named = (await store.createUser({ id: crypto.randomUUID(), username: unique("boss"), passwordHash: "h" }, { admin: true }))!;
      expect((await store.account(named.id))?.admin).toBe(true);
      expect((await store.searchUsers(tag.toUpperCase(), 10)).map((u) => u.id)).toEqual([x.id, y.id]);
      expect((await store.searchUsers(`${tag}%`, 10)).map((u) => u.id)).toEqual([]);
      const locked = (await store.setLocked(y.id, at))!;
      expect(locked.lockedAt).toBe(at.toISOString());
      expect((await store.findUserByName(y.username))?.lockedAt).toBe(at.toISOString());
      expect((await store.searchUsers(tag, 10)).map((u) => u.id)).toEqual([x.id]);
      await store.createRefreshToken({
        id: crypto.randomUUID(),
        familyId: crypto.randomUUID(),
        userId: y.id,
        tokenHash: `h-${y.id}`,
        expiresAt: new Date(Date.now() + 60_000),
      });
      expect(await store.refreshTokenOwner(`h-${y.id}`)).toEqual({ userId: y.id, locked: true });
      expect((await store.setLocked(y.id, null))?.lockedAt).toBeNull();
      expect(await store.refreshTokenOwner("nothing")).toBeNull();
      expect(await store.setLocked(crypto.randomUUID(), at)).toBeNull();
    });

    it("lets owners, moderators and admins delete any message of a room, admins not in DMs", async () => {
      const { store, newUser } = fixtures();
      const [owner, bob, carol, root] = [await newUser("o"), await newUser("b"), await newUser("c"), await newUser("root")];
      await store.makeAdmins([root.username]);
      const r = await room(store, owner, "private");
      for (const u of [bob, carol]) await store.join(r.id, u.id);
      const say = async (roomId: string, user: User) =>
        (await store.appendMessage({ id: crypto.randomUUID(), roomId, user, body: "x", clientId: null, createdAt: at })).message.id;
      const del = (roomId: string, messageId: string, user: User) => store.deleteMessage({ roomId, messageId, user, at });
      await expect(del(r.id, await say(r.id, bob), carol)).rejects.toMatchObject({ code: "forbidden" });
      await store.setRole(r.id, carol.id, "moderator", owner, at);
      expect((await del(r.id, await say(r.id, bob), carol)).message.deleted).toBe(true);
      expect((await del(r.id, await say(r.id, bob), root)).message.deleted).toBe(true);
      const dm = (await store.openDm({ id: crypto.randomUUID(), userIds: [bob.id, carol.id], createdBy: bob.id, at }))!;
      await expect(del(dm.room.id, await say(dm.room.id, bob), root)).rejects.toMatchObject({ roomId: dm.room.id });
    });
  });
}
