import { describe, expect, it } from "vitest";
import { clockOf, dayKeyOf, dayLabel, msUntilMidnight, sizeOf } from "./format.ts";

describe("day labels", () => {
  const now = new Date(2026, 11, 1, 9, 30);
  it("says Today and Yesterday in the viewer's time zone, else the date (with the year when not this one)", () => {
    expect(dayLabel(new Date(2026, 11, 1, 0, 5).toISOString(), now)).toBe("Today");
    expect(dayLabel(new Date(2026, 10, 30, 23, 59).toISOString(), now)).toBe("Yesterday");
    expect(dayLabel(new Date(2026, 10, 29, 12).toISOString(), now)).toMatch(/29/);
    expect(dayLabel(new Date(2026, 10, 29, 12).toISOString(), now)).not.toMatch(/2026/);
    expect(dayLabel(new Date(2025, 11, 31, 12).toISOString(), now)).toMatch(/2025/);
  });
  it("compares calendar days, not 24-hour spans", () => {
    expect(dayKeyOf(new Date(2026, 11, 1, 0, 1))).toBe(dayKeyOf(new Date(2026, 11, 1, 23, 59)));
    expect(dayKeyOf(new Date(2026, 10, 30, 23, 59))).toBeLessThan(dayKeyOf(new Date(2026, 11, 1, 0, 0)));
    expect(msUntilMidnight(new Date(2026, 11, 1, 23, 59))).toBe(60_000);
  });
});

describe("clockOf", () => {
  it("gives hours and minutes without a day period, short enough for the gutter", () => {
    const text = clockOf(new Date(2026, 11, 1, 16, 5).toISOString());
    expect(text).toMatch(/^\d{1,2}[:.]05$/);
  });
});

describe("file sizes", () => {
  it("counts in 1024s with one decimal under ten", () => {
    expect([0, 812, 1024, 1536, 14 * 1024 + 300, 3.4 * 1024 * 1024, 25 * 1024 * 1024, 3 * 1024 ** 3].map(sizeOf)).toEqual([
      "0 B",
      "812 B",
      "1 KB",
      "1.5 KB",
      "14 KB",
      "3.4 MB",
      "25 MB",
      "3 GB",
    ]);
  });
});
