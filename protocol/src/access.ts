import { z } from "zod";
import { USER_SEARCH } from "./access-limits.ts";
import { roomNameSchema, topicSchema } from "./http.ts";

const userId = z.uuid({ error: "must be a user id" }).transform((s) => s.toLowerCase());
const visibility = z.enum(["public", "private"]);

/** `POST /api/rooms`. */
export const createRoomSchema = z.object({ name: roomNameSchema, topic: topicSchema.optional(), visibility: visibility.optional() });

/** `PATCH /api/rooms/:roomId`: at least one field. */
export const updateRoomSchema = z
  .object({ name: roomNameSchema.optional(), topic: topicSchema.optional(), visibility: visibility.optional() })
  .refine((v) => v.name !== undefined || v.topic !== undefined || v.visibility !== undefined, "give name, topic or visibility");

/** `POST /api/dms`: the other participants (the caller is one anyway). */
export const createDmSchema = z.object({ userIds: z.array(userId).min(1, "name at least one other user").max(64) });

/** `POST /api/rooms/:roomId/invites` and `…/bans`. */
export const userRefSchema = z.object({ userId });

/** `PUT /api/rooms/:roomId/members/:userId`. */
export const memberRoleSchema = z.object({ role: z.enum(["owner", "moderator", "member"]) });

/** `GET /api/users`: a username prefix and a page size. */
export const userSearchSchema = z.object({
  q: z.string().max(64).default(""),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(1, "must be >= 1").max(USER_SEARCH.max, `must be <= ${USER_SEARCH.max}`))
    .default(USER_SEARCH.default),
});
