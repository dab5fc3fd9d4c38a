import { describe, expect, it } from "vitest";
import { ownerOf } from "./rendezvous.ts";

const rooms = Array.from({ length: 4000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
const workers = ["w1", "w2", "w3", "w4"];

describe("ownerOf (rendezvous hashing)", () => {
  it("picks the same owner whatever order the workers are listed in", () => {
    const reversed = [...workers].reverse();
    for (const room of rooms.slice(0, 200)) expect(ownerOf(room, reversed)).toBe(ownerOf(room, workers));
  });

  it("spreads rooms over the workers", () => {
    const counts = new Map<string, number>();
    for (const room of rooms) counts.set(ownerOf(room, workers)!, (counts.get(ownerOf(room, workers)!) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(workers);
    // 1000 each on average; a fair hash stays well within ±20 %.
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(200);
  });

  it("moves only the rooms of a worker that leaves", () => {
    const without = workers.filter((w) => w !== "w3");
    for (const room of rooms) {
      const before = ownerOf(room, workers)!;
      const after = ownerOf(room, without)!;
      if (before === "w3") expect(without).toContain(after);
      else expect(after).toBe(before);
    }
  });

  it("moves to a worker that joins only rooms it now owns", () => {
    const grown = [...workers, "w5"];
    for (const room of rooms) {
      const after = ownerOf(room, grown)!;
      if (after !== "w5") expect(after).toBe(ownerOf(room, workers));
    }
    expect(rooms.some((room) => ownerOf(room, grown) === "w5")).toBe(true);
  });

  it("has no owner without workers, and the only one with one", () => {
    expect(ownerOf(rooms[0]!, [])).toBeUndefined();
    expect(ownerOf(rooms[0]!, ["solo"])).toBe("solo");
  });
});
