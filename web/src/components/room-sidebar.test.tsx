import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, waitFor } from "@solidjs/testing-library";
import type { Room } from "@parley/protocol";
import { renderSignedIn } from "../test-support/signed-in.tsx";
import { RoomSidebar } from "./room-sidebar.tsx";

const room = (id: string, name: string, lastReadSeq: number, unreadCount: number, mentionCount: number, muted = false): Room & Record<string, unknown> => ({
  id,
  name,
  topic: "",
  createdBy: "u2",
  kind: "room",
  visibility: "public",
  createdAt: "",
  memberCount: 2,
  onlineCount: 0,
  lastReadSeq,
  unreadCount,
  mentionCount,
  notifications: { level: "default", muted },
});
const bob = { id: "u2", username: "bob" };
const at = "2026-12-01T10:00:00.000Z";

function setup() {
  const server = renderSignedIn(() => <RoomSidebar route={{ view: "directory" }} onNavigate={() => {}} />, {
    "GET /api/rooms?joined=true": () => ({
      status: 200,
      body: { rooms: [room("r1", "general", 10, 2, 0), room("r2", "ops", 5, 3, 1), room("r3", "random", 1, 4, 0, true), room("r4", "alerts", 1, 2, 1, true)] },
    }),
  });
  /** The badge of a room's link: its label, "" without one. */
  const badge = (name: string) =>
    screen
      .getByRole("link", { name: new RegExp(`^${name}`) })
      .querySelector(".badge")
      ?.getAttribute("aria-label") ?? "";
  return { ...server, badge };
}

describe("RoomSidebar: read state from the server", () => {
  afterEach(cleanup);

  it("shows the server's unread and mention counts, follows live messages and clears on a read from another device", async () => {
    const { connect, receive, badge } = setup();
    await waitFor(() => expect(badge("general")).toBe("2 unread"));
    expect(badge("ops")).toBe("1 mention, 3 unread");
    expect(screen.getByRole("link", { name: /^ops/ }).querySelector(".mention-badge")?.textContent).toBe("@1");
    await connect();
    receive({ type: "subscribed", roomId: "r1", online: [], lastSeq: 12, limited: false, lastReadSeq: 10, unreadCount: 2, mentionCount: 0 });
    receive({ type: "message", message: { id: "m13", roomId: "r1", seq: 13, user: bob, body: "hi", clientId: null, createdAt: at } });
    await waitFor(() => expect(badge("general")).toBe("3 unread"));
    receive({
      type: "userEvent",
      seq: 1,
      kind: "mention",
      roomId: "r1",
      at,
      message: { id: "m14", roomId: "r1", seq: 14, user: bob, body: "@alice", clientId: null, createdAt: at },
    });
    receive({ type: "message", message: { id: "m14", roomId: "r1", seq: 14, user: bob, body: "@alice", clientId: null, createdAt: at } });
    await waitFor(() => expect(badge("general")).toBe("1 mention, 4 unread"));
    // Read on another device up to 13: only the mention at 14 is left.
    receive({ type: "userEvent", seq: 2, kind: "read", roomId: "r1", at, readSeq: 13 });
    await waitFor(() => expect(badge("general")).toBe("1 mention, 1 unread"));
    receive({ type: "userEvent", seq: 3, kind: "read", roomId: "r1", at, readSeq: 14 });
    receive({ type: "userEvent", seq: 4, kind: "read", roomId: "r2", at, readSeq: 9 });
    await waitFor(() => expect([badge("general"), badge("ops")]).toEqual(["", ""]));
  });

  it("shows a muted room quieter, its count and its mentions kept", async () => {
    const { badge } = setup();
    await waitFor(() => expect(badge("random")).toBe("4 unread"));
    const random = screen.getByRole("link", { name: /^random/ });
    expect(random.classList.contains("muted-room")).toBe(true);
    expect(screen.getByRole("link", { name: /^general/ }).classList.contains("muted-room")).toBe(false);
    // Mentions matter: a muted room's mention badge still shows.
    expect(badge("alerts")).toBe("1 mention, 2 unread");
    expect(screen.getByRole("link", { name: /^alerts/ }).querySelector(".mention-badge")).not.toBeNull();
  });
});
