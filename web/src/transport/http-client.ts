import type {
  Ban,
  ErrorBody,
  Member,
  MemberRole,
  Message,
  NotifyLevel,
  ReactionSummary,
  ReadState,
  Room,
  RoomNotifications,
  RoomVisibility,
  SearchPage,
  User,
} from "@parley/protocol";

/** A member's rank in a room: owners and moderators manage it (docs/protocol.md, "Private rooms, DMs and roles"). */
export type RoomRole = MemberRole;
export type { RoomVisibility };
/** What the access model adds to a room: a DM (`kind` "dm") names its participants, a joined room the caller's role. */
export type AccessFields = Partial<Pick<Room, "kind" | "visibility" | "role" | "members">>;
/** A room as `GET /api/rooms` lists it (extension: `joined`); a joined room carries the user's read state and notification settings there. */
export type RoomListing = Room & { joined?: boolean; notifications?: RoomNotifications } & Partial<ReadState>;
/** A room's member as `GET …/members` lists it: with whether they are online, and their role. */
export type RoomMember = Member;
/** What in a room `PATCH /api/rooms/:roomId` changes. */
export type RoomChange = Partial<{ name: string; topic: string; visibility: RoomVisibility }>;
export interface Session {
  user: User;
  token: string;
  /** Extension: when the token stops working (ISO 8601). */
  expiresAt?: string;
  /** Extension: single use, traded for the next session at `POST /api/auth/refresh`. */
  refreshToken?: string;
  refreshExpiresAt?: string;
}
export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}
/** A page of one thread (`GET …/messages/:id/thread`): its parent as it is now, and replies, oldest first. */
export interface ThreadPage extends HistoryPage {
  parent: Message;
}
/** One emoji of `GET …/reactions`: its summary and who reacted. */
export type ReactionDetail = ReactionSummary & { users: User[] };
/** A body a message had before an edit (`GET …/edits`). */
export interface EditRecord {
  body: string;
  editedAt: string;
}

/** Any failed request: the server's `{error: {code, message}}`, or `network` when no answer came. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, from `Retry-After` on 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface HttpClientOptions {
  baseUrl?: string;
  /** The current bearer token, if any. */
  token: () => string | undefined;
  fetch?: typeof fetch;
  /** Called when an authenticated request answers 401 and `renew` could not help: the session is over. */
  onUnauthorized?: () => void;
  /** Gets a fresh token after a 401 (once per request); resolves true when the request is worth retrying. */
  renew?: () => Promise<boolean>;
}

/** Parley's REST API (docs/protocol.md, "HTTP"). */
export class HttpClient {
  private readonly fetch: typeof fetch;
  constructor(private readonly options: HttpClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  register = (username: string, password: string) => this.call<Session>("POST", "/api/auth/register", { username, password });
  login = (username: string, password: string) => this.call<Session>("POST", "/api/auth/login", { username, password });
  /** Trades the refresh token for a new session; without one, the deprecated form (the current Bearer token). */
  refresh = (refreshToken?: string) =>
    refreshToken
      ? this.call<Session>("POST", "/api/auth/refresh", { refreshToken }, { bearer: false })
      : this.call<Session>("POST", "/api/auth/refresh", undefined, { retry: false });
  /** Extension: ends this device's session on the server and closes the sockets living on it. */
  logout = () => this.call<{ ok: true }>("POST", "/api/auth/logout", undefined, { retry: false });
  /** Extension: ends every session of the user, on every device. */
  logoutAll = () => this.call<{ ok: true }>("POST", "/api/auth/logout-all");
  /** Extension: changes the password; every other session ends, this one gets a new session. */
  changePassword = (currentPassword: string, newPassword: string) => this.call<Session>("POST", "/api/auth/password", { currentPassword, newPassword });
  /** The signed-in user; `admin` when they run the server (they moderate every room that is not a DM). */
  me = () => this.call<{ user: User; admin?: boolean }>("GET", "/api/me");
  /** The user's default notification level for their rooms. */
  notificationLevel = () => this.call<{ notifications: { level: NotifyLevel } }>("GET", "/api/me/notifications");
  setNotificationLevel = (level: NotifyLevel) => this.call<{ notifications: { level: NotifyLevel } }>("PUT", "/api/me/notifications", { level });
  /** Changes the user's level ("default" follows theirs) or mute in one room; answers the room's settings as stored. */
  setRoomNotifications = (roomId: string, change: Partial<RoomNotifications>) =>
    this.call<{ notifications: RoomNotifications }>("PUT", `/api/rooms/${enc(roomId)}/notifications`, change);

  listRooms(filter: { q?: string; joined?: boolean } = {}) {
    const query = new URLSearchParams();
    if (filter.q) query.set("q", filter.q);
    if (filter.joined) query.set("joined", "true");
    const suffix = query.size ? `?${query}` : "";
    return this.call<{ rooms: RoomListing[] }>("GET", `/api/rooms${suffix}`);
  }
  createRoom = (name: string, topic?: string, visibility: RoomVisibility = "public") =>
    this.call<{ room: RoomListing }>("POST", "/api/rooms", { name, ...(topic ? { topic } : {}), ...(visibility === "private" ? { visibility } : {}) });
  /** Changes a room's name, topic or visibility (owners and moderators); every member hears `room.updated`. */
  updateRoom = (roomId: string, change: RoomChange) => this.call<{ room: RoomListing }>("PATCH", `/api/rooms/${enc(roomId)}`, change);
  room = (roomId: string) => this.call<{ room: RoomListing; online: User[] }>("GET", `/api/rooms/${enc(roomId)}`);
  join = (roomId: string) => this.call<{ room: RoomListing }>("POST", `/api/rooms/${enc(roomId)}/join`);
  leave = (roomId: string) => this.call<{ room: RoomListing }>("POST", `/api/rooms/${enc(roomId)}/leave`);
  /** Moves the user's read marker in the room to `seq` (the server never moves it back); every device hears of it. */
  markRead = (roomId: string, seq: number) => this.call<{ readState: ReadState }>("POST", `/api/rooms/${enc(roomId)}/read`, { seq });
  /** Everyone in the room, by username, each with whether they are online. */
  members = (roomId: string) => this.call<{ members: RoomMember[] }>("GET", `/api/rooms/${enc(roomId)}/members`);
  /** Adds someone to the room at once (no pending invite): 201 when added, 200 when already in. */
  invite = (roomId: string, userId: string) => this.call<{ member: RoomMember }>("POST", `/api/rooms/${enc(roomId)}/invites`, { userId });
  /** Makes a member owner, moderator or member (owners only). */
  setRole = (roomId: string, userId: string, role: RoomRole) =>
    this.call<{ member: RoomMember }>("PUT", `/api/rooms/${enc(roomId)}/members/${enc(userId)}`, { role });
  /** Removes a member (a kick): they may join again, a public room's directory still shows it. */
  removeMember = (roomId: string, userId: string) => this.call<{ ok: true }>("DELETE", `/api/rooms/${enc(roomId)}/members/${enc(userId)}`);
  /** Removes and bans someone: they cannot join or be invited until unbanned. */
  ban = (roomId: string, userId: string) => this.call<{ ban: Ban }>("POST", `/api/rooms/${enc(roomId)}/bans`, { userId });
  bans = (roomId: string) => this.call<{ bans: Ban[] }>("GET", `/api/rooms/${enc(roomId)}/bans`);
  unban = (roomId: string, userId: string) => this.call<{ ok: true }>("DELETE", `/api/rooms/${enc(roomId)}/bans/${enc(userId)}`);

  /** The user's direct messages, the most recently active first, each with its participants and read state. */
  dms = () => this.call<{ dms: RoomListing[] }>("GET", "/api/dms");
  /** The DM of the user and `userIds` (1 to 7 others): made, or the existing one for the same people. */
  startDm = (userIds: string[]) => this.call<{ room: RoomListing }>("POST", "/api/dms", { userIds });
  /** Users whose name starts with `q` (any case), by name: for picking DM participants and invitees. */
  users = (q: string, limit = 8) => this.call<{ users: User[] }>("GET", `/api/users?${new URLSearchParams({ q, limit: String(limit) })}`);

  /** A page of messages, oldest first: the newest below `beforeSeq`, or with `afterSeq` the oldest above it. */
  history(roomId: string, page: { beforeSeq?: number; afterSeq?: number; limit?: number } = {}) {
    const query = new URLSearchParams({ limit: String(page.limit ?? 50) });
    if (page.beforeSeq !== undefined) query.set("beforeSeq", String(page.beforeSeq));
    if (page.afterSeq !== undefined) query.set("afterSeq", String(page.afterSeq));
    return this.call<HistoryPage>("GET", `/api/rooms/${enc(roomId)}/messages?${query}`);
  }

  /** A page of a thread's replies, oldest first, paged as `history` is. */
  thread(roomId: string, messageId: string, page: { beforeSeq?: number; limit?: number } = {}) {
    const query = new URLSearchParams({ limit: String(page.limit ?? 50) });
    if (page.beforeSeq !== undefined) query.set("beforeSeq", String(page.beforeSeq));
    return this.call<ThreadPage>("GET", `${messagePath(roomId, messageId)}/thread?${query}`);
  }

  /** Full-text search over the rooms one is a member of, newest first; `cursor` is the `next` of the page before. */
  search(q: string, page: { cursor?: string; limit?: number } = {}) {
    const query = new URLSearchParams({ q, limit: String(page.limit ?? 20) });
    if (page.cursor) query.set("cursor", page.cursor);
    return this.call<SearchPage>("GET", `/api/search?${query}`);
  }

  /** Changes the body of one's own message; the room's `message.edited` event carries the change to every view. */
  editMessage = (roomId: string, messageId: string, body: string) => this.call<{ message: Message }>("PATCH", messagePath(roomId, messageId), { body });
  /** Deletes a message (one's own, or any in a room one created); answers the tombstone. */
  deleteMessage = (roomId: string, messageId: string) => this.call<{ message: Message }>("DELETE", messagePath(roomId, messageId));
  /** The bodies a message had before each edit, oldest first. */
  edits = (roomId: string, messageId: string) => this.call<{ edits: EditRecord[] }>("GET", `${messagePath(roomId, messageId)}/edits`);
  /** Adds our reaction (one emoji); answers the message's summary, which the UI leaves to the `reaction.added` event. */
  addReaction = (roomId: string, messageId: string, emoji: string) =>
    this.call<{ reactions: ReactionSummary[] }>("PUT", `${messagePath(roomId, messageId)}/reactions/${enc(emoji)}`);
  /** Takes our reaction back; a reaction we do not have changes nothing (200). */
  removeReaction = (roomId: string, messageId: string, emoji: string) =>
    this.call<{ reactions: ReactionSummary[] }>("DELETE", `${messagePath(roomId, messageId)}/reactions/${enc(emoji)}`);
  /** Who reacted with each emoji (the summaries in history only count them). */
  reactions = (roomId: string, messageId: string) => this.call<{ reactions: ReactionDetail[] }>("GET", `${messagePath(roomId, messageId)}/reactions`);

  private async call<T>(method: string, path: string, body?: unknown, how: { bearer?: boolean; retry?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = {};
    const token = how.bearer === false ? undefined : this.options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetch(`${this.options.baseUrl ?? ""}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw networkError();
    }
    const data = (await res.json().catch(() => undefined)) as (T & Partial<ErrorBody>) | undefined;
    if (res.ok && data) return data;
    if (await renewedAfter(this.options, res.status, token, how.retry !== false)) return this.call<T>(method, path, body, { ...how, retry: false });
    throw apiErrorOf(res.status, data, res.headers.get("retry-after"));
  }
}

/** No answer came: the request never reached the server, or its answer never came back. */
export const networkError = () => new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");

/** The server's refusal as an ApiError: its `{error: {code, message}}`, or a plain sentence for a body without one. */
export const apiErrorOf = (status: number, data: Partial<ErrorBody> | undefined, retryAfter: string | null) =>
  new ApiError(status, data?.error?.code ?? "internal", data?.error?.message ?? `The server answered ${status}.`, Number(retryAfter) || undefined);

/**
 * After an answer to a request that carried `token`: true when it was a 401 and the token was
 * renewed (an access token lives 15 minutes: one that just ran out is renewed once and the request
 * retried). A 401 that renewing cannot cure ends the session (`onUnauthorized`).
 */
export async function renewedAfter(options: Pick<HttpClientOptions, "renew" | "onUnauthorized">, status: number, token: string | undefined, mayRetry: boolean) {
  if (status !== 401 || !token) return false;
  if (mayRetry && options.renew && (await options.renew().catch(() => false))) return true;
  options.onUnauthorized?.();
  return false;
}

const enc = encodeURIComponent;
const messagePath = (roomId: string, messageId: string) => `/api/rooms/${enc(roomId)}/messages/${enc(messageId)}`;
