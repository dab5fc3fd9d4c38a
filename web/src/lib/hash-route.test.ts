import { describe, expect, it } from "vitest";
import { parseRoute, roomHref, threadHref } from "./hash-route.ts";

describe("the hash route", () => {
  it("reads a room, a room with a message link, and a room with a thread open", () => {
    expect(parseRoute("#/rooms")).toEqual({ view: "directory" });
    expect(parseRoute(roomHref("r 1"))).toEqual({ view: "room", roomId: "r 1" });
    expect(parseRoute(`${roomHref("r1")}?m=abc`)).toEqual({ view: "room", roomId: "r1" });
    expect(parseRoute(threadHref("r1", "m-9"))).toEqual({ view: "room", roomId: "r1", thread: "m-9" });
    expect(parseRoute(`${roomHref("r1")}?thread=`)).toEqual({ view: "room", roomId: "r1" });
  });
});
