import type { User } from "@parley/protocol";

/** What middleware puts on the Hono context for handlers. */
export type AppEnv = {
  Variables: {
    user: User;
    requestId: string;
  };
};
