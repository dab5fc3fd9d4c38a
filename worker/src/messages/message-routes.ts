import type { Hono, MiddlewareHandler } from "hono";
import { historyQuerySchema, postMessageSchema } from "@parley/protocol";
import type { Store } from "@parley/db";
import { parseWith, readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import { roomIdParam } from "../rooms/room-id.ts";
import type { MessageService } from "./message-service.ts";

export function registerMessageRoutes(app: Hono<AppEnv>, deps: { store: Store; messages: MessageService; authenticate: MiddlewareHandler<AppEnv> }) {
  const { store, messages, authenticate } = deps;

  app.get("/api/rooms/:roomId/messages", authenticate, async (c) => {
    const roomId = roomIdParam(c.req.param("roomId"));
    const query = parseWith(historyQuerySchema, c.req.query());
    await messages.requireMember(roomId, c.get("user").id);
    return c.json(await store.history(roomId, query));
  });

  app.post("/api/rooms/:roomId/messages", authenticate, async (c) => {
    const roomId = roomIdParam(c.req.param("roomId"));
    const { body, clientId } = await readJson(c, postMessageSchema);
    const { message, created } = await messages.send(c.get("user"), roomId, body, clientId ?? null);
    return c.json({ message }, created ? 201 : 200);
  });
}
