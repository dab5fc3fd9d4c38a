import type { ProtocolVersion, ServerFrame, User } from "@parley/protocol";

/** One client connection as the realtime core sees it: runtime-neutral. */
export interface Peer {
  readonly id: string;
  readonly user: User;
  /** The protocol version the connection speaks (its subprotocol); frame-versions.ts encodes for it. */
  readonly version: ProtocolVersion;
  /** The token the connection lives on: the one it was opened with, or the last one of an `auth` frame. */
  token?: PeerToken;
  /** Sends an already serialized frame; a peer that cannot keep up is closed instead. */
  send(text: string): void;
  close(code: number, reason: string): void;
}

export const encode = (frame: ServerFrame) => JSON.stringify(frame);

/** What a connection keeps of its token: for sign-out (ids, issue time) and expiry. */
export interface PeerToken {
  jti?: string;
  /** The session (refresh-token family). */
  sid?: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}
