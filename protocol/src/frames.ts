import { z } from "zod";
import { LIMITS } from "./limits.ts";
import type { ErrorCode } from "./errors.ts";
import type { Message, ReactionSummary, RoomEvent, User, UserEvent } from "./models.ts";
import type { ProtocolVersion } from "./versions.ts";
import { clientIdSchema, EMPTY_SEND, hasContent, messageBodySchema, sendFields, suggestRequestSchema } from "./http.ts";
import { REACTION_EMOJI_MAX } from "./text-rules.ts";

const roomId = z
  .string()
  .min(1)
  .max(64)
  .transform((s) => s.toLowerCase());
const requestId = z.string().min(1).max(LIMITS.requestIdMax);
const messageId = z.string().min(1).max(64);

/** Frames a client may send, discriminated by `type`. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("subscribe"), roomId, afterSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
  z.object({ type: z.literal("unsubscribe"), roomId }),
  /** parley.v2: the connection's user's own stream (mentions), resumed after `afterSeq` like a room. */
  z.object({ type: z.literal("subscribeUser"), afterSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
  z.object({ type: z.literal("message"), roomId, clientId: clientIdSchema, ...sendFields }).refine(hasContent, EMPTY_SEND),
  z.object({ type: z.literal("typing"), roomId }),
  /** parley.v2 and v1 alike: the WebSocket forms of PATCH, DELETE …/messages/:id and PUT/DELETE …/reactions/:emoji. */
  z.object({ type: z.literal("edit"), roomId, messageId, body: messageBodySchema, clientId: clientIdSchema }),
  z.object({ type: z.literal("delete"), roomId, messageId, clientId: clientIdSchema }),
  z.object({ type: z.literal("react"), roomId, messageId, emoji: z.string().min(1).max(REACTION_EMOJI_MAX), on: z.boolean(), clientId: clientIdSchema }),
  z.object({ type: z.literal("suggest"), roomId, text: suggestRequestSchema.shape.text, requestId }),
  z.object({ type: z.literal("ping") }),
  /** A fresh access token of the same user: the connection then lives until its `exp`. */
  z.object({ type: z.literal("auth"), token: z.string().min(1).max(4096) }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export const CLIENT_FRAME_TYPES = [
  "subscribe",
  "unsubscribe",
  "subscribeUser",
  "message",
  "typing",
  "edit",
  "delete",
  "react",
  "suggest",
  "ping",
  "auth",
] as const;

/** Frames the server sends. */
export type ServerFrame =
  /** `protocol`: the version this connection speaks (1 or 2), chosen from the subprotocols offered. */
  | { type: "hello"; user: User; worker: string; protocol: ProtocolVersion }
  | {
      type: "subscribed";
      roomId: string;
      /** v1: everyone online. v2: the first LIMITS.onlineListMax by name; the rest from `GET …/presence`. */
      online: User[];
      /** v2: how many are online. */
      onlineCount?: number;
      /** v2: true when `online` was cut at LIMITS.onlineListMax. */
      onlineTruncated?: boolean;
      /** Extension: the room's newest seq when the subscription started. */
      lastSeq: number;
      /** Extension: true when more than LIMITS.replayMax messages were missed; only the newest were replayed. */
      limited: boolean;
      /** v2: the user's read state in the room when the subscription started. */
      lastReadSeq?: number;
      unreadCount?: number;
      mentionCount?: number;
    }
  /** parley.v2: the user's stream is subscribed; `lastSeq` is its newest seq, `limited` as for rooms. */
  | { type: "userSubscribed"; lastSeq: number; limited: boolean }
  /** parley.v2: an event of the user's stream, in its seq order. */
  | UserEvent
  /**
   * Extension: the subscription ended because the user left the room (in any tab), asked, or
   * (parley.v2) was removed from it by a moderator: v1 hears "left" for that.
   */
  | { type: "unsubscribed"; roomId: string; reason: "left" | "requested" | "removed" }
  | { type: "message"; message: Message }
  | { type: "ack"; clientId: string; message: Message }
  /** parley.v2: an edit, deletion or reaction, in the room's seq order (see RoomEvent). */
  | RoomEvent
  /** The answer to a `react` frame: the message's reactions as they are now. */
  | { type: "reactions"; clientId: string; roomId: string; messageId: string; reactions: ReactionSummary[] }
  /**
   * Presence changes, coalesced per room over a short window. v1: one frame per window, naming its
   * latest change and carrying everyone online. v2: one frame per user whose presence changed, with the count.
   */
  | { type: "presence"; roomId: string; event: "join" | "leave"; user: User; online?: User[]; onlineCount?: number }
  | { type: "typing"; roomId: string; user: User }
  | { type: "suggestion"; requestId: string; delta: string; done: boolean; source: string }
  | { type: "error"; code: ErrorCode; message: string; requestId?: string; clientId?: string; roomId?: string; retryAfter?: number }
  | { type: "pong" }
  /** The `auth` frame's token was accepted: the connection is now closed (4001) at `exp`, seconds since the epoch. */
  | { type: "authed"; exp: number };
/** Every `type` of ServerFrame, as a list (the protocol document's table is checked against it). */
export const SERVER_FRAME_TYPES = [
  "hello",
  "subscribed",
  "unsubscribed",
  "userSubscribed",
  "userEvent",
  "message",
  "ack",
  "event",
  "reactions",
  "presence",
  "typing",
  "suggestion",
  "error",
  "pong",
  "authed",
] as const satisfies readonly ServerFrame["type"][];
