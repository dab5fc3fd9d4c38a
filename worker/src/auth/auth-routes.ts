import type { Hono, MiddlewareHandler } from "hono";
import { credentialsSchema } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError } from "../errors.ts";
import { readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { AuthService } from "./auth-service.ts";
import { bearerToken, type TokenIssuer } from "./tokens.ts";

/** Rejects requests without a valid bearer token; sets `c.var.user`. */
export function requireUser(tokens: TokenIssuer): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new ApiError("unauthorized", "send Authorization: Bearer <token>");
    c.set("user", await tokens.verify(token));
    await next();
  };
}

export function registerAuthRoutes(
  app: Hono<AppEnv>,
  deps: { auth: AuthService; store: Store; authenticate: MiddlewareHandler<AppEnv>; address: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string },
) {
  const { auth, store, authenticate, address } = deps;

  app.post("/api/auth/register", async (c) => {
    const credentials = await readJson(c, credentialsSchema);
    return c.json(await auth.register(credentials, address(c)), 201);
  });

  app.post("/api/auth/login", async (c) => {
    const credentials = await readJson(c, credentialsSchema);
    return c.json(await auth.login(credentials, address(c)));
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
