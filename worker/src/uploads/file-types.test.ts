import { describe, expect, it } from "vitest";
import { elf, gif, html, pdf, png, svg, text, zip } from "../../../test/support/sample-files.ts";
import { sniff } from "./file-types.ts";

describe("sniff", () => {
  it("knows allowed types by their bytes, with an image's size", async () => {
    expect(await sniff(png(3, 2))).toEqual({ contentType: "image/png", width: 3, height: 2 });
    expect(await sniff(gif(5, 4))).toEqual({ contentType: "image/gif", width: 5, height: 4 });
    expect(await sniff(pdf())).toEqual({ contentType: "application/pdf" });
    expect(await sniff(zip())).toEqual({ contentType: "application/zip" });
  });

  it("takes valid UTF-8 without NUL bytes as text/plain, a BOM included", async () => {
    expect(await sniff(text())).toEqual({ contentType: "text/plain" });
    expect(await sniff(Uint8Array.from([0xef, 0xbb, 0xbf, ...text("with a BOM")]))).toEqual({ contentType: "text/plain" });
    expect(await sniff(text("a < b, and <b is not a tag here"))).toEqual({ contentType: "text/plain" });
  });

  it("refuses markup, executables, NUL bytes and broken UTF-8", async () => {
    expect(await sniff(html())).toBeNull();
    expect(await sniff(text("\n  <html><p>hi</p></html>"))).toBeNull();
    expect(await sniff(text("<P>shouting html</P>"))).toBeNull();
    expect(await sniff(svg())).toBeNull();
    expect(await sniff(text('<?xml version="1.0"?><svg/>'))).toBeNull();
    expect(await sniff(elf())).toBeNull();
    expect(await sniff(Uint8Array.from([...text("text"), 0, ...text("more")]))).toBeNull();
    expect(await sniff(Uint8Array.from([0x68, 0x69, 0xc3, 0x28]))).toBeNull();
  });
});
