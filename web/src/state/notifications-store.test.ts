import { describe, expect, it } from "vitest";
import type { NotifyLevel, RoomNotifications } from "@parley/protocol";
import { ApiError } from "../transport/http-client.ts";
import { roomListing } from "../test-support/room-listing.ts";
import { createNotificationsStore } from "./notifications-store.ts";

const listing = (id: string, notifications?: RoomNotifications) => roomListing(id, notifications ? { notifications } : {});

/** A settings store over a fake server whose PUTs answer (as the server would merge them) or fail when the test says. */
function setup(level: NotifyLevel = "mentions") {
  const stored: Record<string, RoomNotifications> = {};
  const puts: { path: string; answer: () => void; fail: () => void }[] = [];
  const pending = <T>(path: string, apply: () => T) =>
    new Promise<T>((resolve, reject) =>
      puts.push({ path, answer: () => resolve(apply()), fail: () => reject(new ApiError(403, "forbidden", "You are not a member of this room.")) }),
    );
  const http = {
    notificationLevel: async () => ({ notifications: { level } }),
    setNotificationLevel: (next: NotifyLevel) => pending("/api/me/notifications", () => ({ notifications: { level: (level = next) } })),
    setRoomNotifications: (roomId: string, change: Partial<RoomNotifications>) =>
      pending(`/api/rooms/${roomId}/notifications`, () => ({
        notifications: (stored[roomId] = { ...(stored[roomId] ?? { level: "default", muted: false }), ...change }),
      })),
  };
  return { store: createNotificationsStore(http), puts };
}

describe("notifications store", () => {
  it("loads the user's level and each listed room's settings; unknown rooms follow the defaults", async () => {
    const { store } = setup("all");
    expect(store.userLevel()).toBe("mentions");
    await store.load();
    expect(store.userLevel()).toBe("all");
    store.listed(listing("r1", { level: "none", muted: true }));
    store.listed(listing("r2"));
    expect(store.room("r1")).toEqual({ level: "none", muted: true });
    expect(store.room("r2")).toEqual({ level: "default", muted: false });
    expect(store.knows("r3")).toBe(false);
    expect(store.room("r3")).toEqual({ level: "default", muted: false });
  });

  it("shows a room change at once and then the server's answer", async () => {
    const { store, puts } = setup();
    store.listed(listing("r1", { level: "all", muted: false }));
    const done = store.setRoom("r1", { muted: true });
    expect(store.room("r1")).toEqual({ level: "all", muted: true });
    expect(puts[0]!.path).toBe("/api/rooms/r1/notifications");
    puts[0]!.answer();
    expect(await done).toBeUndefined();
    // The fake server started from defaults: its answer, not the optimistic guess, is what shows.
    expect(store.room("r1")).toEqual({ level: "default", muted: true });
  });

  it("rolls a failed room change back to what the server last said and gives the error", async () => {
    const { store, puts } = setup();
    store.listed(listing("r1", { level: "mentions", muted: false }));
    const done = store.setRoom("r1", { level: "none" });
    expect(store.room("r1").level).toBe("none");
    puts[0]!.fail();
    expect(await done).toBe("You are not a member of this room.");
    expect(store.room("r1")).toEqual({ level: "mentions", muted: false });
  });

  it("applies only the latest of overlapping changes", async () => {
    const { store, puts } = setup();
    store.listed(listing("r1"));
    const first = store.setRoom("r1", { level: "all" });
    const second = store.setRoom("r1", { level: "none" });
    puts[1]!.answer();
    await second;
    expect(store.room("r1").level).toBe("none");
    // The first one's late failure must not undo the second.
    puts[0]!.fail();
    expect(await first).toBeUndefined();
    expect(store.room("r1").level).toBe("none");
  });

  it("keeps a change on its way when the room is listed again meanwhile", async () => {
    const { store, puts } = setup();
    store.listed(listing("r1"));
    const done = store.setRoom("r1", { muted: true });
    store.listed(listing("r1"));
    expect(store.room("r1").muted).toBe(true);
    puts[0]!.answer();
    await done;
    store.listed(listing("r1", { level: "all", muted: false }));
    expect(store.room("r1")).toEqual({ level: "all", muted: false });
  });

  it("changes the user's level optimistically and rolls back a failure", async () => {
    const { store, puts } = setup();
    await store.load();
    const ok = store.setUserLevel("all");
    expect(store.userLevel()).toBe("all");
    puts[0]!.answer();
    expect(await ok).toBeUndefined();
    const failed = store.setUserLevel("none");
    expect(store.userLevel()).toBe("none");
    puts[1]!.fail();
    expect(await failed).toMatch(/not a member/);
    expect(store.userLevel()).toBe("all");
  });

  it("forgets a room left", () => {
    const { store } = setup();
    store.listed(listing("r1", { level: "none", muted: true }));
    store.forget("r1");
    expect(store.knows("r1")).toBe(false);
  });
});
