import { describe, expect, it } from "vitest";
import { createRoot } from "solid-js";
import type { User } from "@parley/protocol";
import { createPresenceStore } from "./presence-store.ts";

const user = (username: string): User => ({ id: `id-${username}`, username });
const names = (users: User[]) => users.map((u) => u.username);

describe("presence store", () => {
  it("keeps the list from subscribed and applies v2 joins and leaves to it, showing the server's count", () => {
    createRoot((dispose) => {
      const presence = createPresenceStore();
      presence.setOnline("r", [user("carol"), user("alice")], 2);
      expect(names(presence.online("r"))).toEqual(["alice", "carol"]);
      presence.changed("r", "join", user("bob"), 3);
      presence.changed("r", "join", user("bob"), 3); // a repeat changes nothing
      expect(names(presence.online("r"))).toEqual(["alice", "bob", "carol"]);
      expect(presence.count("r")).toBe(3);
      presence.changed("r", "leave", user("alice"), 2);
      presence.changed("r", "leave", user("dave"), 2); // someone the list never had
      expect(names(presence.online("r"))).toEqual(["bob", "carol"]);
      expect(presence.count("r")).toBe(2);
      dispose();
    });
  });

  it("counts those a capped list leaves out", () => {
    createRoot((dispose) => {
      const presence = createPresenceStore();
      presence.setOnline("r", [user("alice")], 900);
      presence.changed("r", "join", user("zed"), 901);
      expect(presence.count("r")).toBe(901);
      expect(presence.online("r")).toHaveLength(2);
      // A v1 list is the whole truth: the count is its length.
      presence.setOnline("r", [user("alice"), user("bob")]);
      expect(presence.count("r")).toBe(2);
      presence.clear("r");
      expect(presence.count("r")).toBe(0);
      dispose();
    });
  });
});
