import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { roomListing } from "../test-support/room-listing.ts";
import { renderSignedIn } from "../test-support/signed-in.tsx";
import { RoomSettingsDialog } from "./room-settings-dialog.tsx";

describe("RoomSettingsDialog", () => {
  afterEach(cleanup);

  it("sends only what changed, shows the server's refusal inline, and closes once saved", async () => {
    const room = roomListing("r1", { name: "ops", topic: "pages", role: "owner" });
    const sent: unknown[] = [];
    let closed = 0;
    renderSignedIn(() => <RoomSettingsDialog room={room} onClose={() => closed++} />, {
      "PATCH /api/rooms/r1": (body) => {
        sent.push(body);
        return sent.length === 1
          ? { status: 409, body: { error: { code: "conflict", message: "a room with that name exists" } } }
          : { status: 200, body: { room: { ...room, name: "ops-2", visibility: "private" } } };
      },
    });
    const name = (await screen.findByLabelText("Name")) as HTMLInputElement;
    expect(document.activeElement).toBe(name);
    fireEvent.input(name, { target: { value: "general" } });
    fireEvent.click(screen.getByLabelText(/^Private/));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByText("a room with that name exists")).getAttribute("role")).toBe("alert");
    expect(closed).toBe(0);
    fireEvent.input(name, { target: { value: "ops-2" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(closed).toBe(1));
    expect(sent).toEqual([
      { name: "general", visibility: "private" },
      { name: "ops-2", visibility: "private" },
    ]);
  });
});
