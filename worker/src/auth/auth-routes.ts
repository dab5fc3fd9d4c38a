import type { Hono, MiddlewareHandler } from "hono";
import { credentialsSchema } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, bearerToken } from "@parley/common";
import { readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { AuthService } from "./auth-service.ts";
import type { Sessions } from "./sessions.ts";

/** Rejects requests without a valid, unrevoked bearer token; sets `c.var.user` and `c.var.session`. */
export function requireUser(sessions: Sessions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Already checked by the idempotency middleware for a request with Idempotency-Key.
    if (c.get("session")) return next();
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new ApiError("unauthorized", "send Authorization: Bearer <token>");
    const claims = await sessions.authenticate(token);
    c.set("user", claims.user);
    c.set("session", claims);
    await next();
  };
}

export function registerAuthRoutes(
  app: Hono<AppEnv>,
  deps: {
    auth: AuthService;
    store: Store;
    sessions: Sessions;
    authenticate: MiddlewareHandler<AppEnv>;
    address: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string;
    /** Closes every WebSocket opened with the token, on every worker. */
    signedOut: (jti: string) => void;
  },
) {
  const { auth, store, sessions, authenticate, address, signedOut } = deps;

  app.post("/api/auth/register", async (c) => {
    const credentials = await readJson(c, credentialsSchema);
    return c.json(await auth.register(credentials, address(c)), 201);
  });

  app.post("/api/auth/login", async (c) => {
    const credentials = await readJson(c, credentialsSchema);
    return c.json(await auth.login(credentials, address(c)));
  });

  /** Extension: revokes the token (until it would expire) and closes the sockets opened with it. */
  app.post("/api/auth/logout", authenticate, async (c) => {
    const session = c.get("session");
    await sessions.revoke(session);
    if (session.jti) signedOut(session.jti);
    return c.json({ ok: true });
  });

  app.post("/api/auth/refresh", authenticate, async (c) => {
    const user = c.get("user");
    return c.json({ user, ...(await auth.refresh(user)) });
  });

  app.get("/api/me", authenticate, async (c) => {
    const user = await store.findUser(c.get("user").id);
    if (!user) throw new ApiError("unauthorized", "this account no longer exists");
    return c.json({ user });
  });
}
