/** Limits of docs/protocol.md, enforced by every worker and the balancer. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMinBytes: 8,
  passwordMaxBytes: 72,
  roomNameMax: 64,
  topicMax: 256,
  messageBodyMax: 4000,
  requestBodyBytes: 64 * 1024,
  frameBytes: 64 * 1024,
  historyPageDefault: 50,
  historyPageMax: 100,
  /** Messages replayed on `subscribe` with `afterSeq`; past it the replay is the newest ones and `limited: true`. */
  replayMax: 1000,
  clientIdMax: 64,
  requestIdMax: 128,
  suggestTextMax: 4000,
  /** Users listed in a v2 `subscribed` frame; past it the list is cut and `onlineTruncated: true`. */
  onlineListMax: 500,
  /** Users per page of `GET /api/rooms/:roomId/presence` (the default and the most `?limit=` may ask). */
  presencePageDefault: 500,
  presencePageMax: 1000,
  /** Unread messages and mentions are counted up to this many per room (a client shows "99+" well before). */
  unreadCountMax: 1000,
  /** Users one message can mention by name; names past it are plain text. */
  mentionsMax: 50,
  /** Files one message may carry. */
  attachmentsMax: 10,
  /** Characters of an upload's file name. */
  uploadNameMax: 255,
  /** `UPLOAD_MAX_BYTES` when unset: 25 MiB. */
  uploadBytesDefault: 25 * 1024 * 1024,
  /** What a multipart upload may hold past its file (boundaries, part headers). */
  multipartEnvelopeBytes: 16 * 1024,
} as const;

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
