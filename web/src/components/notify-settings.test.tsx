import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { renderSignedIn, type Route } from "../test-support/signed-in.tsx";
import { DefaultNotifyMenu, RoomNotifyMenu } from "./notify-settings.tsx";

const general = {
  id: "r1",
  name: "general",
  topic: "",
  createdBy: "u2",
  createdAt: "",
  memberCount: 2,
  onlineCount: 0,
  notifications: { level: "all", muted: false },
};

function setup(putRoom: Route) {
  const bodies: unknown[] = [];
  const server = renderSignedIn(
    () => (
      <>
        <DefaultNotifyMenu />
        <RoomNotifyMenu roomId="r1" roomName="#general" />
      </>
    ),
    {
      "GET /api/rooms?joined=true": () => ({ status: 200, body: { rooms: [general] } }),
      "GET /api/me/notifications": () => ({ status: 200, body: { notifications: { level: "none" } } }),
      "PUT /api/me/notifications": (body) => (bodies.push(body), { status: 200, body: { notifications: body } }),
      "PUT /api/rooms/r1/notifications": (body) => (bodies.push(body), putRoom(body)),
    },
  );
  return { ...server, bodies };
}
/** A level's radio in a menu's popover (closed, it is out of the accessibility tree, so found by its label). */
const radio = (group: string, value: string) =>
  document.querySelector<HTMLInputElement>(`[role=group][aria-label="${group}"] input[type=radio][value="${value}"]`)!;

describe("notification menus", () => {
  afterEach(cleanup);

  it("open from the bell, show the server's settings and save a change; Esc closes and refocuses", async () => {
    const { bodies } = setup((body) => ({ status: 200, body: { notifications: { level: "all", muted: false, ...(body as object) } } }));
    const bell = screen.getByRole("button", { name: "Notifications for #general" });
    expect(bell.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(bell);
    expect(bell.getAttribute("aria-expanded")).toBe("true");
    await waitFor(() => expect(radio("Notifications for #general", "all").checked).toBe(true));
    fireEvent.click(screen.getByRole("checkbox", { name: "Mute this room" }));
    await waitFor(() => expect(bodies).toEqual([{ muted: true }]));
    expect(bell.textContent).toContain("🔕");
    fireEvent.keyDown(screen.getByRole("checkbox", { name: "Mute this room" }), { key: "Escape" });
    expect(bell.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(bell);
    await waitFor(() => expect(radio("Your notifications", "none").checked).toBe(true));
  });

  it("rolls a refused change back and says why", async () => {
    setup(() => ({ status: 403, body: { error: { code: "forbidden", message: "Join the room to change its notifications." } } }));
    fireEvent.click(screen.getByRole("button", { name: "Notifications for #general" }));
    await waitFor(() => expect(radio("Notifications for #general", "all").checked).toBe(true));
    fireEvent.click(radio("Notifications for #general", "none"));
    expect(radio("Notifications for #general", "none").checked).toBe(true);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Join the room to change its notifications."));
    expect(radio("Notifications for #general", "all").checked).toBe(true);
  });
});
