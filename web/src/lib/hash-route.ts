import { createSignal } from "solid-js";

/** Where the user is: the room directory or one room. Kept in the URL hash so reloads return there. */
export type Route = { view: "directory" } | { view: "room"; roomId: string };

/** `#/rooms/<id>`, with or without a query (a message link's `?m=<messageId>`). */
export function parseRoute(hash: string): Route {
  const room = /^#\/rooms\/([^/?]+)(?:\?.*)?$/.exec(hash);
  return room ? { view: "room", roomId: decodeURIComponent(room[1]!) } : { view: "directory" };
}

export const roomHref = (roomId: string) => `#/rooms/${encodeURIComponent(roomId)}`;
export const DIRECTORY_HREF = "#/rooms";

/** The current route as a signal, following `hashchange`. */
export function createHashRoute() {
  const [route, setRoute] = createSignal(parseRoute(location.hash));
  const onChange = () => setRoute(parseRoute(location.hash));
  addEventListener("hashchange", onChange);
  return { route, navigate: (href: string) => (location.hash = href), dispose: () => removeEventListener("hashchange", onChange) };
}
