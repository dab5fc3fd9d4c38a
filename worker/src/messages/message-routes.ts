import type { Hono, MiddlewareHandler } from "hono";
import { editMessageSchema, historyQuerySchema, postMessageSchema, userEventsQuerySchema } from "@parley/protocol";
import { notFound } from "@parley/common";
import type { Store } from "@parley/db";
import { parseWith, readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import { messageIdParam, roomIdParam } from "../rooms/room-id.ts";
import type { MessageService } from "./message-service.ts";

export function registerMessageRoutes(app: Hono<AppEnv>, deps: { store: Store; messages: MessageService; authenticate: MiddlewareHandler<AppEnv> }) {
  const { store, messages, authenticate } = deps;

  app.get("/api/rooms/:roomId/messages", authenticate, async (c) => {
    const roomId = roomIdParam(c.req.param("roomId"));
    const query = parseWith(historyQuerySchema, c.req.query());
    const viewerId = c.get("user").id;
    await messages.requireMember(roomId, viewerId);
    return c.json(await store.history(roomId, { ...query, viewerId }));
  });

  app.post("/api/rooms/:roomId/messages", authenticate, async (c) => {
    const roomId = roomIdParam(c.req.param("roomId"));
    const { body, clientId, parentId, alsoToRoom, attachments } = await readJson(c, postMessageSchema);
    const { message, created } = await messages.send(c.get("user"), roomId, body, clientId ?? null, false, { parentId, alsoToRoom, attachments });
    return c.json({ message }, created ? 201 : 200);
  });

  // The user's own stream (mentions), for clients without a socket: docs/protocol.md, "The user stream".
  app.get("/api/me/events", authenticate, async (c) => {
    const { afterSeq, limit } = parseWith(userEventsQuerySchema, c.req.query());
    const userId = c.get("user").id;
    const lastSeq = (await store.userLastSeqs([userId])).get(userId) ?? 0;
    const events = afterSeq < lastSeq ? await store.userLog(userId, afterSeq, lastSeq, limit) : [];
    const reached = events.at(-1)?.seq ?? afterSeq;
    return c.json({ events, lastSeq, hasMore: events.length === limit && reached < lastSeq });
  });

  // Edits, deletions and reactions: events of the room's stream (docs/protocol.md, "Events").
  const MESSAGE = "/api/rooms/:roomId/messages/:messageId";
  /** The room and message of a request to read one message's details, for a member. */
  const member = async (c: { req: { param(name: string): string }; get(key: "user"): { id: string } }) => {
    const roomId = roomIdParam(c.req.param("roomId"));
    const messageId = messageIdParam(c.req.param("messageId"));
    await messages.requireMember(roomId, c.get("user").id);
    return { roomId, messageId };
  };

  app.patch(MESSAGE, authenticate, async (c) => {
    const { body } = await readJson(c, editMessageSchema);
    return c.json({ message: await messages.edit(c.get("user"), c.req.param("roomId"), c.req.param("messageId"), body) });
  });

  app.delete(MESSAGE, authenticate, async (c) => c.json({ message: await messages.delete(c.get("user"), c.req.param("roomId"), c.req.param("messageId")) }));

  app.get(`${MESSAGE}/edits`, authenticate, async (c) => {
    const { roomId, messageId } = await member(c);
    const edits = await store.editsOf(roomId, messageId);
    if (!edits) throw notFound("message");
    return c.json({ edits });
  });

  app.get(`${MESSAGE}/thread`, authenticate, async (c) => {
    const { roomId, messageId } = await member(c);
    const page = await store.thread(roomId, messageId, { ...parseWith(historyQuerySchema, c.req.query()), viewerId: c.get("user").id });
    if (!page) throw notFound("message");
    return c.json(page);
  });

  app.get(`${MESSAGE}/reactions`, authenticate, async (c) => {
    const { roomId, messageId } = await member(c);
    const reactions = await store.reactionsOf(roomId, messageId, c.get("user").id);
    if (!reactions) throw notFound("message");
    return c.json({ reactions });
  });

  for (const [method, on] of [
    ["put", true],
    ["delete", false],
  ] as const) {
    app[method](`${MESSAGE}/reactions/:emoji`, authenticate, async (c) =>
      c.json({ reactions: await messages.react(c.get("user"), c.req.param("roomId"), c.req.param("messageId"), c.req.param("emoji"), on) }),
    );
  }
}
