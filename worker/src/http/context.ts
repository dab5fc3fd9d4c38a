import type { User } from "@parley/protocol";
import type { TokenClaims } from "@parley/common";

/** What middleware puts on the Hono context for handlers. */
export type AppEnv = {
  Variables: {
    user: User;
    /** The verified token of the request. */
    session: TokenClaims;
    requestId: string;
    /** A WebSocket upgrade's place in the per-user and per-address caps. */
    socketPlace?: { opened(): void; release(): void };
  };
};
