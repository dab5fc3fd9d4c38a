import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import type { ServerFrame } from "@parley/protocol";
import { useChat } from "../state/app-context.tsx";
import { roomListing } from "../test-support/room-listing.ts";
import { me, renderSignedIn } from "../test-support/signed-in.tsx";
import { RoomSidebar } from "./room-sidebar.tsx";

const bob = { id: "u2", username: "bob" };
const carol = { id: "u3", username: "carol" };
const at = "2026-12-01T10:00:00.000Z";
const dm = (id: string, members = [me, bob], extra = {}) => roomListing(id, { name: `dm:${id}`, kind: "dm", visibility: "private", members, ...extra });
const ok = (body: unknown) => () => ({ status: 200, body });
const frame = (f: ServerFrame) => f;

/** The removal notice a room's view shows, read from the session. */
function Removal(props: { roomId: string }) {
  const chat = useChat();
  return <p data-testid="removal">{JSON.stringify(chat.rooms.removal(props.roomId) ?? null)}</p>;
}

function setup() {
  const opened: string[] = [];
  const posted: unknown[] = [];
  const server = renderSignedIn(
    () => (
      <>
        <RoomSidebar route={{ view: "directory" }} onNavigate={() => {}} onOpen={(href) => opened.push(href)} />
        <Removal roomId="r2" />
      </>
    ),
    {
      "GET /api/rooms?joined=true": ok({
        rooms: [roomListing("r1", { name: "general" }), roomListing("r2", { name: "ops", visibility: "private", role: "member" })],
      }),
      "GET /api/dms": ok({ dms: [dm("d1", [me, bob], { lastReadSeq: 1, unreadCount: 2, mentionCount: 0 }), dm("d2", [carol, me, bob])] }),
      "GET /api/users?q=b&limit=8": ok({ users: [me, bob] }),
      "GET /api/users?q=bo&limit=8": ok({ users: [bob] }),
      "POST /api/dms": (body) => (posted.push(body), { status: 201, body: { room: dm("d3", [me, bob, carol]) } }),
    },
  );
  const links = () => screen.getAllByRole("link").map((a) => a.textContent);
  return { ...server, opened, posted, links };
}

describe("RoomSidebar: direct messages", () => {
  afterEach(() => {
    cleanup();
    // The user stream's cursor lives in localStorage: each test's stream starts afresh.
    localStorage.clear();
  });

  it("lists DMs under the rooms, named by the other people, with their badges; a private room has a lock", async () => {
    const { links } = setup();
    await screen.findByRole("link", { name: /^bob, carol/ });
    expect(links()).toEqual(["⌕ Browse rooms", "#general", "🔒ops, private", "Bbob2", "Bbob, carol"]);
    const dms = within(screen.getByRole("list", { name: "Direct messages" }));
    expect(dms.getAllByRole("link")[0]!.querySelector(".badge")?.getAttribute("aria-label")).toBe("2 unread");
  });

  it("starts a DM from New message: the picker leaves the user out, Start posts the people and opens it", async () => {
    const { opened, posted } = setup();
    fireEvent.click(await screen.findByRole("button", { name: "New message" }));
    const dialog = within(screen.getByRole("dialog", { name: "New message" }));
    const input = dialog.getByRole("combobox", { name: "To" });
    await waitFor(() => expect(document.activeElement).toBe(input));
    expect((dialog.getByRole("button", { name: "Start" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.input(input, { target: { value: "b" } });
    // alice (the user) is not offered, bob is.
    await waitFor(() => expect(dialog.getAllByRole("option").map((o) => o.textContent)).toEqual(["bob"]));
    fireEvent.keyDown(input, { key: "Enter" });
    expect(dialog.getByRole("button", { name: "Remove bob" })).toBeTruthy();
    fireEvent.click(dialog.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(opened).toEqual(["#/rooms/d3"]));
    expect(posted).toEqual([{ userIds: ["u2"] }]);
    expect(screen.queryByRole("dialog")).toBeNull();
    // The new DM is first among the DMs.
    expect(within(screen.getByRole("list", { name: "Direct messages" })).getAllByRole("link")[0]?.textContent).toBe("Bbob, carol");
  });

  it("gains a room or DM the user is added to elsewhere, and loses one they are removed from, with why", async () => {
    const { connect, receive, links } = setup();
    await screen.findByRole("link", { name: /^bob, carol/ });
    await connect();
    receive(
      frame({
        type: "userEvent",
        seq: 1,
        kind: "membership",
        roomId: "r9",
        at,
        membership: "added",
        room: roomListing("r9", { name: "alpha", visibility: "private" }),
      }),
    );
    await waitFor(() => expect(links()).toContain("🔒alpha, private"));
    receive(frame({ type: "event", roomId: "r2", seq: 7, kind: "member.role", at, member: { user: me, role: "moderator" }, by: bob }));
    receive(frame({ type: "event", roomId: "r2", seq: 8, kind: "room.updated", at, room: { name: "ops-team", topic: "", visibility: "public" }, by: bob }));
    await waitFor(() => expect(links()).toContain("#ops-team"));
    receive(frame({ type: "event", roomId: "r2", seq: 9, kind: "member.removed", at, member: { user: me }, reason: "banned", by: bob }));
    receive(frame({ type: "unsubscribed", roomId: "r2", reason: "removed" }));
    await waitFor(() => expect(links()).not.toContain("#ops-team"));
    expect(JSON.parse(screen.getByTestId("removal").textContent!)).toEqual({ label: "#ops-team", reason: "banned" });
  });

  it("a removal heard first from the user stream says removed, then the event says banned", async () => {
    const { connect, receive, links } = setup();
    await screen.findByRole("link", { name: /^bob, carol/ });
    await connect();
    receive(frame({ type: "userEvent", seq: 1, kind: "membership", roomId: "r2", at, membership: "removed" }));
    await waitFor(() => expect(links()).not.toContain("🔒ops, private"));
    expect(JSON.parse(screen.getByTestId("removal").textContent!)).toEqual({ label: "#ops", reason: "removed" });
    receive(frame({ type: "event", roomId: "r2", seq: 9, kind: "member.removed", at, member: { user: me }, reason: "banned", by: bob }));
    await waitFor(() => expect(JSON.parse(screen.getByTestId("removal").textContent!)).toEqual({ label: "#ops", reason: "banned" }));
  });
});
