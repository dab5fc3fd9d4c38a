import { describe, expect, it } from "vitest";
import { documentTitle, faviconHref, showUnread } from "./title-badge.ts";

const svg = (href: string) => decodeURIComponent(href.replace("data:image/svg+xml,", ""));

describe("title badge", () => {
  it("puts the unread count before the room and the app's name", () => {
    expect(documentTitle(0)).toBe("Parley");
    expect(documentTitle(3)).toBe("(3) Parley");
    expect(documentTitle(3, "#launch")).toBe("(3) #launch · Parley");
    expect(documentTitle(250, "#launch")).toBe("(99+) #launch · Parley");
  });

  it("draws the count on the favicon, and no badge at zero", () => {
    expect(svg(faviconHref(0))).not.toContain("circle");
    expect(svg(faviconHref(7))).toMatch(/<circle[^>]*\/><text[^>]*>7<\/text><\/svg>$/);
    expect(svg(faviconHref(120))).toContain(">99+</text>");
  });

  it("updates the document's title and icon", () => {
    showUnread(document, 2, "#general");
    expect(document.title).toBe("(2) #general · Parley");
    expect(svg(document.querySelector("link[rel='icon']")!.getAttribute("href")!)).toContain(">2</text>");
    showUnread(document, 0);
    expect(document.title).toBe("Parley");
    expect(document.querySelectorAll("link[rel='icon']")).toHaveLength(1);
  });
});
