import { createSignal } from "solid-js";

/**
 * Where the user is: the room directory or one room, perhaps with a message's thread open beside
 * it. Kept in the URL hash so reloads return there.
 */
export type Route = { view: "directory" } | { view: "room"; roomId: string; thread?: string };

/** `#/rooms/<id>`, with or without a query (a message link's `?m=<messageId>`, an open thread's `?thread=<messageId>`). */
export function parseRoute(hash: string): Route {
  const room = /^#\/rooms\/([^/?]+)(?:\?(.*))?$/.exec(hash);
  if (!room) return { view: "directory" };
  const thread = new URLSearchParams(room[2] ?? "").get("thread");
  return thread ? { view: "room", roomId: decodeURIComponent(room[1]!), thread } : { view: "room", roomId: decodeURIComponent(room[1]!) };
}

export const roomHref = (roomId: string) => `#/rooms/${encodeURIComponent(roomId)}`;
/** The room with the thread of `messageId` open. */
export const threadHref = (roomId: string, messageId: string) => `${roomHref(roomId)}?thread=${encodeURIComponent(messageId)}`;
export const DIRECTORY_HREF = "#/rooms";

/** The current route as a signal, following `hashchange`. */
export function createHashRoute() {
  const [route, setRoute] = createSignal(parseRoute(location.hash));
  const onChange = () => setRoute(parseRoute(location.hash));
  addEventListener("hashchange", onChange);
  return { route, navigate: (href: string) => (location.hash = href), dispose: () => removeEventListener("hashchange", onChange) };
}
