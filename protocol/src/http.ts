import { z } from "zod";
import { PASSWORD_RULES, STORABLE_RULE, USERNAME_RULES, type TextRule } from "./credentials.ts";
import { LIMITS } from "./limits.ts";
import { isDay, SEARCH_LIMITS } from "./search.ts";
import { BIDI_CONTROLS, isInvisible, nfc } from "./text-rules.ts";

/** Code points, not UTF-16 units: an emoji counts once. */
export const charLength = (s: string) => [...s].length;

/** Control characters that have no place in names or chat text (tab and newline are allowed in bodies). */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f]/;

/** A string that PostgreSQL can store byte for byte: well-formed UTF-16 and no NUL. */
const storable = z.string().refine(STORABLE_RULE.ok, STORABLE_RULE.message);

/** Each rule of credentials.ts as a zod refinement, so the client's zod-free check and the server agree. */
const refineAll = <S extends z.ZodType<string, unknown>>(schema: S, rules: readonly TextRule[]) =>
  rules.reduce((refined, rule) => refined.refine(rule.ok, rule.message), schema);

export const usernameSchema = refineAll(z.string(), USERNAME_RULES);

export const passwordSchema = refineAll(storable.transform(nfc), PASSWORD_RULES);

export const credentialsSchema = z.object({ username: usernameSchema, password: passwordSchema });
export type Credentials = z.infer<typeof credentialsSchema>;

export const roomNameSchema = storable
  .transform((s) => nfc(s.trim()))
  .refine((s) => s.length > 0, "room name must not be empty")
  .refine((s) => !isInvisible(s), "room name must contain visible characters")
  .refine((s) => !BIDI_CONTROLS.test(s), "room name must not contain bidirectional control characters")
  .refine((s) => charLength(s) <= LIMITS.roomNameMax, `room name must be at most ${LIMITS.roomNameMax} characters`)
  .refine((s) => !CONTROL_OR_NEWLINE.test(s), "room name must not contain control characters");

export const topicSchema = storable
  .transform((s) => nfc(s.trim()))
  .refine((s) => !BIDI_CONTROLS.test(s), "topic must not contain bidirectional control characters")
  .refine((s) => charLength(s) <= LIMITS.topicMax, `topic must be at most ${LIMITS.topicMax} characters`)
  .refine((s) => !CONTROL.test(s), "topic must not contain control characters");

/** A message body: stored trimmed; 1–4000 characters after trimming. */
export const messageBodySchema = storable
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, "message body must not be empty")
  .refine((s) => !isInvisible(s), "message body must contain visible text")
  .refine((s) => charLength(s) <= LIMITS.messageBodyMax, `message body must be at most ${LIMITS.messageBodyMax} characters`)
  .refine((s) => !CONTROL.test(s), "message body must not contain control characters other than tab and newline");

export const clientIdSchema = z
  .string()
  .min(1, "clientId must not be empty")
  .max(LIMITS.clientIdMax, `clientId must be at most ${LIMITS.clientIdMax} characters`)
  .regex(/^[\x21-\x7e]+$/, "clientId must be printable ASCII without spaces");

/** A thread reply's parent: a message id of the room. */
export const parentIdSchema = z.uuid({ error: "parentId must be a message id" }).transform((s) => s.toLowerCase());

/** A send's text when it may be empty (it has attachments): "" or a body under messageBodySchema's rules. */
export const sendBodySchema = z.string().transform((s, ctx) => {
  const text = s.trim();
  if (text === "") return "";
  const parsed = messageBodySchema.safeParse(text);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
  return z.NEVER;
});

/** A send's files: ids of the sender's own uploads not attached to anything yet, each once. */
export const attachmentsSchema = z
  .array(z.uuid({ error: "attachments must be upload ids" }).transform((s) => s.toLowerCase()))
  .max(LIMITS.attachmentsMax, `a message may have at most ${LIMITS.attachmentsMax} attachments`)
  .refine((ids) => new Set(ids).size === ids.length, "attachments must not name an upload twice");

/** The fields every send has (HTTP and the `message` frame): the body may be "" only with attachments. */
export const sendFields = {
  body: sendBodySchema,
  attachments: attachmentsSchema.optional(),
  parentId: parentIdSchema.optional(),
  alsoToRoom: z.boolean().optional(),
};

/** A send needs text or files. */
export const hasContent = (send: { body: string; attachments?: string[] }) => send.body !== "" || (send.attachments?.length ?? 0) > 0;
export const EMPTY_SEND = { message: "message body must not be empty", path: ["body"] };

export const postMessageSchema = z.object({ ...sendFields, clientId: clientIdSchema.optional() }).refine(hasContent, EMPTY_SEND);

/** `?name=` of a raw `POST /api/uploads`: the file's name as people see it, never a path. */
export const uploadNameSchema = storable
  .transform(nfc)
  .refine((s) => s.length > 0, "name must not be empty")
  .refine((s) => charLength(s) <= LIMITS.uploadNameMax, `name must be at most ${LIMITS.uploadNameMax} characters`)
  .refine((s) => !/[/\\]/.test(s), "name must not contain path separators")
  .refine((s) => !CONTROL_OR_NEWLINE.test(s) && !BIDI_CONTROLS.test(s), "name must not contain control characters")
  .refine((s) => s !== "." && s !== "..", "name must be a file name");
/** `PATCH /api/rooms/:roomId/messages/:messageId`: the new body, under the rules of a send. */
export const editMessageSchema = z.object({ body: messageBodySchema });

/** A whole number from a query string: digits only, so "", "1e3" and " 5" are refused rather than coerced. */
const wholeParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));

export const historyQuerySchema = z.object({
  beforeSeq: wholeParam(0, Number.MAX_SAFE_INTEGER).optional(),
  afterSeq: wholeParam(0, Number.MAX_SAFE_INTEGER).optional(),
  limit: wholeParam(1, LIMITS.historyPageMax).default(LIMITS.historyPageDefault),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** `POST /api/rooms/:roomId/read`: the seq read up to (past the room's newest, it is the newest). */
export const readMarkerSchema = z.object({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

const notifyLevel = z.enum(["all", "mentions", "none"]);
/** `PUT /api/me/notifications`: the default level of the user's rooms. */
export const userNotificationsSchema = z.object({ level: notifyLevel });
/** `PUT /api/rooms/:roomId/notifications`: the room's own level ("default" follows the user's) and its mute; either may be left out. */
export const roomNotificationsSchema = z
  .object({ level: z.enum(["all", "mentions", "none", "default"]).optional(), muted: z.boolean().optional() })
  .refine((v) => v.level !== undefined || v.muted !== undefined, "give level, muted or both");

/** `GET /api/me/events`: the user's stream after `afterSeq`, oldest first. */
export const userEventsQuerySchema = z.object({
  afterSeq: wholeParam(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeParam(1, LIMITS.historyPageMax).default(LIMITS.historyPageDefault),
});

/** `GET /api/rooms/:roomId/presence`: a page of the online list by name; `cursor` is the `next` of the page before. */
export const presenceQuerySchema = z.object({
  limit: wholeParam(1, LIMITS.presencePageMax).default(LIMITS.presencePageDefault),
  cursor: z.string().min(1).max(512).optional(),
});
export type PresenceQuery = z.infer<typeof presenceQuerySchema>;

/** `?q=` of the room list: a name fragment, so the same rules as names. */
export const roomSearchSchema = storable
  .transform((s) => s.trim())
  .refine((s) => charLength(s) <= LIMITS.roomNameMax, `q must be at most ${LIMITS.roomNameMax} characters`)
  .refine((s) => !CONTROL_OR_NEWLINE.test(s), "q must not contain control characters");

export const suggestRequestSchema = z.object({
  roomId: z.string().min(1).max(64),
  text: storable.refine((s) => charLength(s) <= LIMITS.suggestTextMax, `text must be at most ${LIMITS.suggestTextMax} characters`),
});

/** An opaque refresh token as login, register and refresh hand it out. */
export const refreshTokenSchema = z
  .string()
  .min(16)
  .max(256)
  .regex(/^[\w-]+$/, "refreshToken must be a token this server issued");

/** `POST /api/auth/refresh`: trades a refresh token (single use) for a new access and refresh token. */
export const refreshRequestSchema = z.object({ refreshToken: refreshTokenSchema });

/** `POST /api/auth/password`: the new password follows the registration rules. */
export const passwordChangeSchema = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema });

/** `GET /api/search`: the query string; `from`, `before` and `after` replace the operators of the same name in `q`. */
export const searchParamsSchema = z.object({
  q: z.string(),
  roomId: z.string().optional(),
  from: z.string().min(1).max(64).optional(),
  before: z.string().refine(isDay, "must be a date YYYY-MM-DD").optional(),
  after: z.string().refine(isDay, "must be a date YYYY-MM-DD").optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: wholeParam(1, SEARCH_LIMITS.pageMax).default(SEARCH_LIMITS.pageDefault),
});
export type SearchParams = z.infer<typeof searchParamsSchema>;
