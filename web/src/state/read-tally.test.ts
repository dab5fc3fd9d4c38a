import { describe, expect, it } from "vitest";
import { addLive, countPast, emptyTally, rebase } from "./read-tally.ts";

describe("read tally", () => {
  it("adds what arrives past the server's count, each seq once, and not what it covers or what is read", () => {
    let tally = rebase(undefined, 3, 10, 20);
    tally = addLive(tally, 19, 10); // counted by the server already
    tally = addLive(tally, 21, 10);
    tally = addLive(tally, 21, 10);
    tally = addLive(tally, 22, 25); // read meanwhile
    expect(tally.live).toEqual([21]);
    expect(countPast(tally, 10)).toBe(4);
  });

  it("keeps only the part of the server's count a moved marker can still hold", () => {
    const tally = addLive(rebase(undefined, 5, 10, 20), 24, 10);
    expect(countPast(tally, 18)).toBe(3); // at most seqs 19, 20 and the live 24
    expect(countPast(tally, 20)).toBe(1);
    expect(countPast(tally, 24)).toBe(0);
    expect(countPast(tally, 100)).toBe(0);
  });

  it("a list's count (no seq) is bounded by the newest seq known, and taken as read by a read past its marker without one", () => {
    const tally = rebase(undefined, 4, 10);
    expect(countPast(tally, 10)).toBe(4);
    expect(countPast(tally, 12, 30)).toBe(4);
    expect(countPast(tally, 28, 30)).toBe(2);
    expect(countPast(tally, 30, 30)).toBe(0);
    expect(countPast(tally, 12)).toBe(0);
    expect(countPast(addLive(tally, 14, 10), 12)).toBe(1);
  });

  it("a fresh count keeps the live seqs past it and drops those it covers", () => {
    let tally = emptyTally();
    tally = addLive(tally, 7, 0);
    tally = addLive(tally, 9, 0);
    expect(rebase(tally, 1, 5, 8).live).toEqual([9]);
    expect(countPast(rebase(tally, 1, 5, 8), 5)).toBe(2);
    expect(rebase(tally, 1, 5).live).toEqual([]);
    expect(countPast(undefined, 0)).toBe(0);
  });
});
