import type { User } from "@parley/protocol";
import type { RoomEvent } from "../ports/bus.ts";

/** What a room object reports about itself (the debug route and tests read it). */
export interface RoomStatus {
  /** The in-memory instance answering: it changes when the object was evicted (hibernated) and woken again. */
  instance: string;
  /** Gateway sockets the runtime holds for the object (`ctx.getWebSockets()`), hibernatable. */
  sockets: number;
  /** Gateway instances with an open socket. */
  gateways: string[];
  online: number;
}

/**
 * What gateways ask a room object by JS RPC (room-object.ts answers). `gateway` is a gateway
 * instance's id; the room forgets an instance's users once it has no open socket from it.
 */
export interface RoomRpc {
  /** Presence: true when the user was offline on every gateway. */
  add(roomId: string, gateway: string, user: User): boolean;
  /** Presence: true when the user was here and is now offline on every gateway. */
  remove(roomId: string, gateway: string, user: User): boolean;
  online(): User[];
  onlineCount(): number;
  /** After a gateway's socket came back: its users again, with `join`s for who had been dropped. */
  restore(roomId: string, gateway: string, users: User[]): void;
  /** A publish from a gateway with no socket to the room: relayed like one sent on a socket. */
  publish(gateway: string, event: RoomEvent): void;
  status(): RoomStatus;
  /** Debug: closes every gateway socket (1012) as a restart of the object would; gateways reopen them. */
  reset(): void;
  ping(): boolean;
  /** On the sessions object: remembers a revoked token until its expiry (seconds since the epoch). */
  revoke(jti: string, exp: number): void;
  /** On the sessions object: the tokens revoked and not yet expired. */
  revocations(): Array<{ jti: string; exp: number }>;
  /** On the sessions object: revokes the user's tokens issued up to `before` (sign out everywhere), until `exp`. */
  revokeUser(userId: string, before: number, exp: number): void;
  /** On the sessions object: the users' cut-offs not yet expired. */
  userCutoffs(): Array<{ userId: string; before: number; exp: number }>;
  /** On the sessions object: a JWT secret shared by every gateway when JWT_SECRET is unset (dev only). */
  devSecret(): string;
}

/** A stub's view of RPC methods: every call is asynchronous. */
export type Remote<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

export type RoomNamespace = DurableObjectNamespace<Remote<RoomRpc>>;

/** The room object of a room (or of the bus's sessions channel). */
export const roomObject = (rooms: RoomNamespace, roomId: string) => rooms.get(rooms.idFromName(roomId));

/** The URL a gateway opens its socket to a room object with (the host is never resolved). */
export function connectUrl(roomId: string, gateway: string): string {
  const url = new URL("https://room.parley.internal/connect");
  url.searchParams.set("room", roomId);
  url.searchParams.set("gateway", gateway);
  return url.toString();
}
