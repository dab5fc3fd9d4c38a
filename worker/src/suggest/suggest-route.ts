import type { Hono, MiddlewareHandler } from "hono";
import { suggestRequestSchema } from "@parley/protocol";
import { readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { MessageService } from "../messages/message-service.ts";
import type { Suggester } from "../ports/suggester.ts";
import { SuggestionAbandoned } from "./abortable-stream.ts";

/**
 * `POST /api/suggest`: the whole suggestion at once, for clients that do not stream. The suggester
 * enforces the deadline; an abandoned suggestion answers an empty one.
 */
export function registerSuggestRoute(app: Hono<AppEnv>, deps: { suggester: Suggester; messages: MessageService; authenticate: MiddlewareHandler<AppEnv> }) {
  app.post("/api/suggest", deps.authenticate, async (c) => {
    const { roomId, text } = await readJson(c, suggestRequestSchema);
    const user = c.get("user");
    await deps.messages.requireMember(roomId, user.id);
    const signal = c.req.raw.signal;
    let suggestion = "";
    let source = "off";
    try {
      for await (const chunk of deps.suggester.suggest({ user, roomId, text, signal })) {
        suggestion += chunk.delta;
        source = chunk.source;
      }
    } catch (error) {
      if (!(error instanceof SuggestionAbandoned) && !signal.aborted) throw error;
      suggestion = "";
      if (error instanceof SuggestionAbandoned) source = error.source;
    }
    return c.json({ suggestion, source });
  });
}
