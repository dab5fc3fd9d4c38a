import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import type { RoomListing } from "../transport/http-client.ts";
import { renderSignedIn, type Route } from "../test-support/signed-in.tsx";
import { RoomDirectory } from "./room-directory.tsx";

const room = (id: string, name: string): RoomListing => ({
  id,
  name,
  topic: "",
  createdBy: "u9",
  kind: "room",
  visibility: "public",
  createdAt: "2026-01-01T00:00:00.000Z",
  memberCount: 3,
  onlineCount: 1,
});
const mine = room("r1", "general");
const theirs = room("r2", "design");
const ok = (body: unknown) => () => ({ status: 200, body });
const outage = () => ({ status: 503, body: { error: { code: "unavailable", message: "The database is not answering." } } });

/** The directory for a member of `general`, with `design` joinable; `list` answers the directory's search. */
function setup(list: Route = ok({ rooms: [mine, theirs] })) {
  const opened: string[] = [];
  const created: unknown[] = [];
  const server = renderSignedIn(() => <RoomDirectory onOpen={(href) => opened.push(href)} />, {
    "GET /api/rooms?joined=true": ok({ rooms: [mine] }),
    "GET /api/rooms": list,
    "POST /api/rooms/r1/leave": ok({ room: mine }),
    "POST /api/rooms": (body) => (
      created.push(body),
      { status: 201, body: { room: { ...room(`r${created.length + 2}`, "x"), visibility: "private", role: "owner" } } }
    ),
  });
  return { ...server, opened, created };
}

describe("RoomDirectory", () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it("links a joined room's name and shows a room not joined as plain text, with Join", async () => {
    setup();
    await screen.findByRole("link", { name: "# general" });
    expect(screen.queryByRole("link", { name: "# design" })).toBeNull();
    expect(screen.getByRole("heading", { name: "# design" }).querySelector("a")).toBeNull();
    expect(screen.getByRole("button", { name: "Join design" })).toBeTruthy();
  });

  it("offers Retry when the rooms cannot be loaded, and shows them once the server answers", async () => {
    let calls = 0;
    setup(() => (++calls === 1 ? outage() : ok({ rooms: [mine, theirs] })()));
    const alert = await screen.findByText(/Could not load rooms: The database is not answering\./);
    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    await screen.findByRole("heading", { name: "# design" });
    expect(calls).toBe(2);
    expect(screen.queryByText(/Could not load rooms/)).toBeNull();
  });

  it("asks before leaving, and leaves only when confirmed", async () => {
    const { requests } = setup();
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    fireEvent.click(await screen.findByRole("button", { name: "Leave general" }));
    expect(confirm).toHaveBeenCalledWith("Leave #general? You can join it again from Browse rooms.");
    expect(requests).not.toContain("POST /api/rooms/r1/leave");
    confirm.mockReturnValue(true);
    fireEvent.click(screen.getByRole("button", { name: "Leave general" }));
    await waitFor(() => expect(requests).toContain("POST /api/rooms/r1/leave"));
  });

  it("creates a public room by default, and a private one when chosen", async () => {
    const { created, opened } = setup();
    await screen.findByRole("link", { name: "# general" });
    const name = screen.getByLabelText("New room name");
    fireEvent.input(name, { target: { value: "open" } });
    fireEvent.submit(name.closest("form")!);
    await waitFor(() => expect(opened).toHaveLength(1));
    fireEvent.input(name, { target: { value: "secret" } });
    fireEvent.click(screen.getByLabelText("Private"));
    fireEvent.submit(name.closest("form")!);
    await waitFor(() => expect(opened).toHaveLength(2));
    expect(created).toEqual([{ name: "open" }, { name: "secret", visibility: "private" }]);
  });

  it("marks a private room the user is in with a lock", async () => {
    setup(ok({ rooms: [{ ...mine, visibility: "private" }, theirs] }));
    await screen.findByRole("link", { name: "🔒 general" });
    expect(screen.getAllByRole("heading", { level: 2 })[0]!.textContent).toBe("🔒 general (private)");
  });
});
