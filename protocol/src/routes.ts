import { LIMITS } from "./limits.ts";

/** One HTTP endpoint: its method and its path, with `:name` for a path parameter (Hono's notation). */
export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
}

/**
 * Every endpoint a worker serves, and so the balancer in front of it: the HTTP table of
 * docs/protocol.md. `test/docs/protocol-doc.test.ts` holds the document, this list and the
 * worker's registered routes to the same set.
 */
export const ROUTES = [
  { method: "POST", path: "/api/auth/register" },
  { method: "POST", path: "/api/auth/login" },
  { method: "POST", path: "/api/auth/refresh" },
  { method: "POST", path: "/api/auth/logout" },
  { method: "POST", path: "/api/auth/logout-all" },
  { method: "POST", path: "/api/auth/password" },
  { method: "GET", path: "/api/me" },
  { method: "GET", path: "/api/me/events" },
  { method: "GET", path: "/api/me/notifications" },
  { method: "PUT", path: "/api/me/notifications" },
  { method: "GET", path: "/api/rooms" },
  { method: "POST", path: "/api/rooms" },
  { method: "GET", path: "/api/rooms/:roomId" },
  { method: "GET", path: "/api/rooms/:roomId/members" },
  { method: "GET", path: "/api/rooms/:roomId/presence" },
  { method: "POST", path: "/api/rooms/:roomId/join" },
  { method: "POST", path: "/api/rooms/:roomId/leave" },
  { method: "POST", path: "/api/rooms/:roomId/read" },
  { method: "PUT", path: "/api/rooms/:roomId/notifications" },
  { method: "PATCH", path: "/api/rooms/:roomId" },
  { method: "POST", path: "/api/rooms/:roomId/invites" },
  { method: "PUT", path: "/api/rooms/:roomId/members/:userId" },
  { method: "DELETE", path: "/api/rooms/:roomId/members/:userId" },
  { method: "GET", path: "/api/rooms/:roomId/bans" },
  { method: "POST", path: "/api/rooms/:roomId/bans" },
  { method: "DELETE", path: "/api/rooms/:roomId/bans/:userId" },
  { method: "GET", path: "/api/dms" },
  { method: "POST", path: "/api/dms" },
  { method: "GET", path: "/api/users" },
  { method: "GET", path: "/api/admin/rooms" },
  { method: "POST", path: "/api/admin/users/:userId/lock" },
  { method: "POST", path: "/api/admin/users/:userId/unlock" },
  { method: "GET", path: "/api/rooms/:roomId/messages" },
  { method: "POST", path: "/api/rooms/:roomId/messages" },
  { method: "PATCH", path: "/api/rooms/:roomId/messages/:messageId" },
  { method: "DELETE", path: "/api/rooms/:roomId/messages/:messageId" },
  { method: "GET", path: "/api/rooms/:roomId/messages/:messageId/edits" },
  { method: "GET", path: "/api/rooms/:roomId/messages/:messageId/thread" },
  { method: "GET", path: "/api/rooms/:roomId/messages/:messageId/reactions" },
  { method: "PUT", path: "/api/rooms/:roomId/messages/:messageId/reactions/:emoji" },
  { method: "DELETE", path: "/api/rooms/:roomId/messages/:messageId/reactions/:emoji" },
  { method: "POST", path: "/api/uploads" },
  { method: "GET", path: "/api/uploads/:id" },
  { method: "POST", path: "/api/suggest" },
  { method: "GET", path: "/api/search" },
  { method: "GET", path: "/ws" },
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/metrics" },
] as const satisfies readonly Route[];

/** The one request whose body may pass LIMITS.requestBodyBytes: an upload, bounded by the upload limit instead. */
export const isUploadRequest = (method: string, path: string) => method === "POST" && path === "/api/uploads";

/** The most an upload's body may hold, a multipart envelope included: what the worker and any proxy in front let through. */
export const uploadBodyLimit = (maxBytes: number) => maxBytes + LIMITS.multipartEnvelopeBytes;

/** The endpoints the balancer answers itself; everything else it proxies to a worker. */
export const BALANCER_ROUTES = [
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/lb/status" },
  { method: "POST", path: "/lb/workers" },
  { method: "DELETE", path: "/lb/workers" },
  { method: "GET", path: "/metrics" },
] as const satisfies readonly Route[];
