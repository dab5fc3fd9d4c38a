import type { ProtocolVersion, ServerFrame, User } from "@parley/protocol";

/** One client connection as the realtime core sees it: runtime-neutral. */
export interface Peer {
  readonly id: string;
  readonly user: User;
  /** The protocol version the connection speaks (its subprotocol); frame-versions.ts encodes for it. */
  readonly version: ProtocolVersion;
  /** The id (`jti`) of the token the connection was opened with. */
  readonly sessionId?: string;
  /** Sends an already serialized frame; a peer that cannot keep up is closed instead. */
  send(text: string): void;
  close(code: number, reason: string): void;
}

export const encode = (frame: ServerFrame) => JSON.stringify(frame);
