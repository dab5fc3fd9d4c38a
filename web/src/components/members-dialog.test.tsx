import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { roomListing } from "../test-support/room-listing.ts";
import { me, renderSignedIn, type Route } from "../test-support/signed-in.tsx";
import type { RoomListing, RoomMember } from "../transport/http-client.ts";
import { MembersDialog } from "./members-dialog.tsx";

const member = (id: string, username: string, role: RoomMember["role"]): RoomMember => ({ id, username, online: false, role });
const list = [member("u1", "alice", "owner"), member("u2", "bob", "moderator"), member("u3", "carol", "member")];
const ok = (body: unknown) => () => ({ status: 200, body });

function setup(room: RoomListing, routes: Record<string, Route> = {}) {
  const bodies: Record<string, unknown[]> = {};
  const record =
    (key: string, route: Route): Route =>
    (body) => ((bodies[key] ??= []).push(body), route(body));
  const wrapped = Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, record(key, route)]));
  const server = renderSignedIn(() => <MembersDialog room={room} onClose={() => {}} />, {
    "GET /api/rooms?joined=true": ok({ rooms: [room] }),
    "GET /api/rooms/r1/members": ok({ members: list }),
    ...wrapped,
  });
  const row = (name: string) => screen.getByText(name, { selector: ".member-name" }).closest("li")!;
  const badges = () =>
    screen
      .getAllByRole("listitem")
      .map((li) => [li.querySelector(".member-name")?.firstChild?.textContent, li.querySelector(".role-badge")?.textContent ?? ""]);
  const actions = (name: string) => {
    fireEvent.click(within(row(name)).getByRole("button", { name: `Actions for ${name}` }));
    return within(within(row(name)).getByRole("group", { name: `Actions for ${name}` }))
      .getAllByRole("button")
      .map((b) => b.textContent);
  };
  return { ...server, bodies, row, badges, actions };
}

describe("MembersDialog", () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
    localStorage.clear();
  });

  it("shows each member's role; an owner may change roles, remove and ban anyone but themselves", async () => {
    const { actions, badges, bodies, row } = setup(roomListing("r1", { name: "ops", visibility: "private", role: "owner" }), {
      "PUT /api/rooms/r1/members/u2": ok({ member: member("u2", "bob", "member") }),
    });
    await screen.findByText("carol");
    expect(screen.getByRole("dialog", { name: "Members of #ops" })).toBeTruthy();
    expect(badges()).toEqual([
      ["alice", "owner"],
      ["bob", "moderator"],
      ["carol", ""],
    ]);
    expect(within(row("alice")).queryByRole("button", { name: /Actions/ })).toBeNull();
    expect(actions("bob")).toEqual(["Make owner", "Make member", "Remove from room", "Ban from room"]);
    fireEvent.click(within(row("bob")).getByRole("button", { name: "Make member" }));
    await waitFor(() => expect(badges()[1]).toEqual(["bob", ""]));
    expect(bodies["PUT /api/rooms/r1/members/u2"]).toEqual([{ role: "member" }]);
    expect(screen.getByRole("button", { name: "Invite people" })).toBeTruthy();
  });

  it("a moderator removes members only, after confirming, and sees the server's refusal", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    const { actions, row } = setup(roomListing("r1", { name: "ops", role: "moderator" }), {
      "DELETE /api/rooms/r1/members/u3": () => ({ status: 403, body: { error: { code: "forbidden", message: "only owners can remove a moderator" } } }),
    });
    await screen.findByText("carol");
    expect(within(row("alice")).queryByRole("button", { name: /Actions/ })).toBeNull();
    expect(actions("carol")).toEqual(["Remove from room", "Ban from room"]);
    fireEvent.click(within(row("carol")).getByRole("button", { name: "Remove from room" }));
    expect(confirm).toHaveBeenCalledWith("Remove carol from #ops? They can be invited again.");
    await screen.findByText("only owners can remove a moderator");
    expect(screen.getByText("carol")).toBeTruthy();
  });

  it("a member of a private room sees the roles, and no actions", async () => {
    setup(roomListing("r1", { name: "ops", visibility: "private", role: "member" }));
    await screen.findByText("carol");
    expect(screen.queryByRole("button", { name: /Actions for/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Invite people" })).toBeNull();
  });

  it("invites people picked by name (not those in the room already), and follows role changes live", async () => {
    const { bodies, badges, connect, receive } = setup(roomListing("r1", { name: "ops", visibility: "private", role: "owner" }), {
      "GET /api/users?q=c&limit=8": ok({
        users: [
          { id: "u3", username: "carol" },
          { id: "u4", username: "cy" },
        ],
      }),
      "POST /api/rooms/r1/invites": () => ({ status: 201, body: { member: member("u4", "cy", "member") } }),
    });
    await screen.findByText("carol");
    fireEvent.click(screen.getByRole("button", { name: "Invite people" }));
    const input = await screen.findByRole("combobox", { name: "People to add" });
    fireEvent.input(input, { target: { value: "c" } });
    await waitFor(() => expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["cy"]));
    fireEvent.click(screen.getByRole("option", { name: "cy" }));
    fireEvent.click(screen.getByRole("button", { name: "Invite" }));
    await screen.findByRole("dialog", { name: "Members of #ops" });
    expect(bodies["POST /api/rooms/r1/invites"]).toEqual([{ userId: "u4" }]);
    await waitFor(() => expect(badges().map(([name]) => name)).toEqual(["alice", "bob", "carol", "cy"]));
    await connect();
    receive({
      type: "event",
      roomId: "r1",
      seq: 5,
      kind: "member.role",
      at: "",
      member: { user: { id: "u3", username: "carol" }, role: "moderator" },
      by: me,
    });
    await waitFor(() => expect(badges()[2]).toEqual(["carol", "moderator"]));
  });

  it("keeps a member's open menu while presence and the list change around it", async () => {
    const { actions, row, connect, receive } = setup(roomListing("r1", { name: "ops", role: "owner" }));
    await screen.findByText("carol");
    expect(actions("carol")).toHaveLength(4);
    await connect();
    receive({ type: "presence", roomId: "r1", event: "join", user: { id: "u3", username: "carol" }, onlineCount: 1 });
    receive({ type: "event", roomId: "r1", seq: 5, kind: "member.role", at: "", member: { user: { id: "u2", username: "bob" }, role: "member" }, by: me });
    await waitFor(() => expect(row("carol").textContent).toContain("online"));
    expect(within(row("carol")).getByRole("button", { name: "Actions for carol" }).getAttribute("aria-expanded")).toBe("true");
    expect(within(row("carol")).getByRole("group", { name: "Actions for carol" }).hidden).toBe(false);
  });
});
