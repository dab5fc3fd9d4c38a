import { describe, expect, it } from "vitest";
import { uploadNameSchema } from "@parley/protocol";
import { contentDisposition } from "./upload-body.ts";

describe("upload names", () => {
  it("takes a file name of 1 to 255 characters", () => {
    expect(uploadNameSchema.parse("report (final).pdf")).toBe("report (final).pdf");
    expect(uploadNameSchema.parse("😀".repeat(255))).toHaveLength(510);
  });

  it("refuses empty, long, path-like and control-character names", () => {
    for (const bad of ["", "a".repeat(256), "../etc/passwd", "dir/file.txt", "dir\\file.txt", "..", "line\nbreak.txt", "nul\u0000.txt", "bidi\u202e.txt"])
      expect(uploadNameSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe("contentDisposition", () => {
  it("gives an ASCII filename and the UTF-8 name (RFC 6266)", () => {
    expect(contentDisposition("inline", "cat.png")).toBe(`inline; filename="cat.png"; filename*=UTF-8''cat.png`);
    expect(contentDisposition("attachment", 'naïve "quote" 100%.zip')).toBe(
      `attachment; filename="na_ve _quote_ 100_.zip"; filename*=UTF-8''na%C3%AFve%20%22quote%22%20100%25.zip`,
    );
  });
});
