import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen } from "@solidjs/testing-library";
import { me, renderSignedIn } from "../test-support/signed-in.tsx";
import { PresencePanel } from "./presence-panel.tsx";

const bob = { id: "u2", username: "bob" };
const STALE = /may be out of date/;

function setup() {
  const server = renderSignedIn(() => <PresencePanel online={[me, bob]} count={2} meId={me.id} />, {
    "GET /api/rooms?joined=true": () => ({ status: 200, body: { rooms: [] } }),
  });
  const panel = () => screen.getByRole("complementary", { name: /Online/ });
  return { ...server, panel };
}

describe("PresencePanel", () => {
  afterEach(cleanup);

  it("lists who is online, live while connected", async () => {
    const { connect, panel } = setup();
    await connect();
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Aalice (you)", "Bbob"]);
    expect(panel().classList.contains("stale")).toBe(false);
    expect(screen.queryByText(STALE)).toBeNull();
  });

  it("greys out and says it may be out of date while this client is not connected", async () => {
    const { connect, panel } = setup();
    expect(panel().classList.contains("stale")).toBe(true);
    await connect();
    expect(panel().classList.contains("stale")).toBe(false);
    dispatchEvent(new Event("offline"));
    expect(panel().classList.contains("stale")).toBe(true);
    expect(screen.getByText(STALE)).toBeTruthy();
  });

  it("gives the online dots no label of their own: the heading says what the list is", () => {
    setup();
    const dots = [...document.querySelectorAll(".online-dot")];
    expect(dots).toHaveLength(2);
    for (const dot of dots) expect([dot.getAttribute("aria-hidden"), dot.getAttribute("aria-label")]).toEqual(["true", null]);
  });
});
