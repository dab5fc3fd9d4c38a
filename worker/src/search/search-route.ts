import type { Hono, MiddlewareHandler } from "hono";
import { parseSearchQuery, searchParamsSchema } from "@parley/protocol";
import { type Clock, invalid, TokenBuckets } from "@parley/common";
import type { Store } from "@parley/db";
import { rateLimited } from "../auth/auth-service.ts";
import { parseWith } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { MessageService } from "../messages/message-service.ts";

/**
 * `GET /api/search`: full-text search over the messages the caller may read (docs/protocol.md,
 * "Search"). A search costs more than a history page, so each user has a bucket of their own,
 * whole at once (a burst of typing), refilled over the window.
 */
export function registerSearchRoute(
  app: Hono<AppEnv>,
  deps: { store: Store; messages: MessageService; clock: Clock; authenticate: MiddlewareHandler<AppEnv>; rate: { max: number; windowSeconds: number } },
) {
  const { store, messages, clock, authenticate, rate } = deps;
  const buckets = new TokenBuckets(rate.max, rate.max / rate.windowSeconds, clock);

  app.get("/api/search", authenticate, async (c) => {
    const { q, roomId, from, before, after, cursor, limit } = parseWith(searchParamsSchema, c.req.query());
    const parsed = parseSearchQuery(q);
    if (!parsed.ok) throw invalid(`q: ${parsed.message}`);
    const userId = c.get("user").id;
    // A room named by id must be one the caller reads (404 unknown, 403 not a member); `in:` names stay quiet.
    if (roomId !== undefined) await messages.requireMember(roomId, userId);
    // The parameters replace the operators of the same name in `q`.
    const query = { ...parsed.query, ...(from ? { from: from.replace(/^@/, "") } : {}), ...(before ? { before } : {}), ...(after ? { after } : {}) };
    if (query.before && query.after && query.after >= query.before) throw invalid("after must be earlier than before");
    // Only a search that runs takes a token: a mistake costs nothing.
    const decision = buckets.take(userId);
    if (!decision.ok) throw rateLimited(decision, "searches");
    const page = await store.search(userId, { query, ...(roomId ? { roomId } : {}) }, { limit, ...(cursor ? { cursor } : {}) });
    if (!page) throw invalid("cursor must be the next of a search page");
    return c.json(page);
  });
}
