import { afterEach, describe, expect, it, vi } from "vitest";
import { confirmLeave } from "./confirm-leave.ts";

describe("confirmLeave", () => {
  afterEach(() => vi.restoreAllMocks());

  it("asks with the room's name and answers what the person chose", () => {
    const ask = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    expect(confirmLeave("#launch")).toBe(false);
    expect(confirmLeave("#launch")).toBe(true);
    expect(ask).toHaveBeenCalledWith("Leave #launch? You can join it again from Browse rooms.");
  });
});
