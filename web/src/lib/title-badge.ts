/** The app's name in the tab title. */
const APP = "Parley";
/** The favicon of web/index.html (a rounded "P"), which the badge is drawn on. */
const ICON = `<rect width='32' height='32' rx='8' fill='#4f46e5'/><text x='16' y='23' font-size='20' text-anchor='middle' fill='white' font-family='sans-serif'>P</text>`;

/** A count as a badge shows it: past 99 it stops growing. */
const badgeText = (count: number) => (count > 99 ? "99+" : String(count));

/** The tab title: "(3) #room · Parley", so a background tab says how much is waiting. */
export function documentTitle(unread: number, roomName?: string): string {
  const name = roomName ? `${roomName} · ${APP}` : APP;
  return unread > 0 ? `(${badgeText(unread)}) ${name}` : name;
}

/** The favicon as an SVG data URL, with a red badge holding the unread count when there is one. */
export function faviconHref(unread: number): string {
  const text = badgeText(unread);
  const badge =
    unread > 0
      ? `<circle cx='23' cy='9' r='9' fill='#dc2626' stroke='white' stroke-width='1.5'/><text x='23' y='13' font-size='${text.length > 2 ? 8 : 12}' font-weight='700' text-anchor='middle' fill='white' font-family='sans-serif'>${text}</text>`
      : "";
  return `data:image/svg+xml,${encodeURIComponent(`<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>${ICON}${badge}</svg>`)}`;
}

/** Shows the unread count in the document's title and favicon. */
export function showUnread(doc: Document, unread: number, roomName?: string) {
  doc.title = documentTitle(unread, roomName);
  let icon = doc.querySelector<HTMLLinkElement>("link[rel~='icon']");
  if (!icon) {
    icon = doc.createElement("link");
    icon.rel = "icon";
    doc.head.append(icon);
  }
  const href = faviconHref(unread);
  if (icon.getAttribute("href") !== href) icon.setAttribute("href", href);
}
