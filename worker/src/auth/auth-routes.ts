import type { Context, Hono, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { credentialsSchema, passwordChangeSchema, refreshRequestSchema, userNotificationsSchema } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, bearerToken } from "@parley/common";
import { readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { AuthClient, AuthService, SignedIn } from "./auth-service.ts";
import { DEVICE_COOKIE, DEVICE_TTL_SECONDS } from "./device-tokens.ts";
import type { Sessions } from "./sessions.ts";
import type { SignOut } from "./sign-out.ts";

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
    signOut: SignOut;
    authenticate: MiddlewareHandler<AppEnv>;
    address: (c: Context<AppEnv>) => string;
    /** True when the client reached us over HTTPS (directly, or as a trusted proxy says). */
    secure: (c: Context<AppEnv>) => boolean;
  },
) {
  const { auth, store, sessions, signOut, authenticate, address, secure } = deps;
  const client = (c: Context<AppEnv>): AuthClient => ({ address: address(c), deviceCookie: getCookie(c, DEVICE_COOKIE) });
  /** The session in the body; the device token only in an HttpOnly cookie, out of scripts' reach. */
  const answer = (c: Context<AppEnv>, { session, deviceCookie }: SignedIn, status: 200 | 201) => {
    setCookie(c, DEVICE_COOKIE, deviceCookie, { httpOnly: true, sameSite: "Strict", path: "/api/auth", maxAge: DEVICE_TTL_SECONDS, secure: secure(c) });
    return c.json(session, status);
  };

  app.post("/api/auth/register", async (c) => {
    const credentials = await readJson(c, credentialsSchema);
    return answer(c, await auth.register(credentials, client(c)), 201);
  });

  app.post("/api/auth/login", async (c) => {
    const credentials = await readJson(c, credentialsSchema);
    return answer(c, await auth.login(credentials, client(c)), 200);
  });

  /** Extension: ends this device's session (token, refresh family) and closes the sockets living on it. */
  app.post("/api/auth/logout", authenticate, async (c) => {
    await signOut.session(c.get("session"));
    return c.json({ ok: true });
  });

  /** Extension: ends every session of the user, on every worker. */
  app.post("/api/auth/logout-all", authenticate, async (c) => {
    await signOut.everywhere(c.get("user").id);
    return c.json({ ok: true });
  });

  app.post("/api/auth/password", authenticate, async (c) => {
    const { currentPassword, newPassword } = await readJson(c, passwordChangeSchema);
    return c.json(await auth.changePassword(c.get("session"), currentPassword, newPassword, address(c)));
  });

  /** `{refreshToken}`; the deprecated form (a Bearer access token and no body) still answers, with `Deprecation: true`. */
  app.post("/api/auth/refresh", async (c) => {
    const legacy = bearerToken(c.req.header("authorization"));
    if (c.req.header("content-type") !== undefined || !legacy) {
      const { refreshToken } = await readJson(c, refreshRequestSchema);
      return c.json(await auth.refresh(refreshToken));
    }
    const claims = await sessions.authenticate(legacy);
    c.header("Deprecation", "true");
    return c.json(await auth.refreshAccessToken(claims));
  });

  app.get("/api/me", authenticate, async (c) => {
    const account = await store.account(c.get("user").id);
    if (!account) throw new ApiError("unauthorized", "this account no longer exists");
    return c.json({ user: account.user, ...(account.admin ? { admin: true } : {}) });
  });

  app.get("/api/me/notifications", authenticate, async (c) => {
    const level = await store.userNotifyLevel(c.get("user").id);
    if (!level) throw new ApiError("unauthorized", "this account no longer exists");
    return c.json({ notifications: { level } });
  });

  app.put("/api/me/notifications", authenticate, async (c) => {
    const { level } = await readJson(c, userNotificationsSchema);
    await store.setUserNotifyLevel(c.get("user").id, level);
    return c.json({ notifications: { level } });
  });
}
