import { describe, expect, it } from "vitest";
import { nameSkeleton } from "./name-skeleton.ts";

describe("room name skeletons", () => {
  it("gives lookalike names one skeleton", () => {
    const plain = nameSkeleton("parley");
    for (const lookalike of ["pаrley" /* Cyrillic а */, "Ρarley" /* Greek Rho */, "parIey", "par1ey", "ｐａｒｌｅｙ", "PARLEY"])
      expect(nameSkeleton(lookalike), lookalike).toBe(plain);
    expect(nameSkeleton("modern")).toBe(nameSkeleton("rnodern"));
    expect(nameSkeleton("g00d news")).toBe(nameSkeleton("good-news"));
  });

  it("keeps different names apart, in any script", () => {
    expect(nameSkeleton("general")).not.toBe(nameSkeleton("generals"));
    expect(nameSkeleton("общий")).not.toBe(nameSkeleton("новости"));
    expect(nameSkeleton("雑談")).not.toBe(nameSkeleton("告知"));
  });
});
