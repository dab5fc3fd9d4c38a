/** Runtime-neutral part of @parley/db: the schema and the drizzle Store. Drivers live in `./node.ts`. */
export * as schema from "./schema/index.ts";
export { createDrizzleStore, StoreTimeout, withDeadline } from "./store.ts";
export type { NewRefreshToken, RefreshRotation } from "./refresh-token-store.ts";
export { NoSuchParentError, NotMemberError } from "./message-inserts.ts";
export { EventRefused } from "./room-events-store.ts";
export { AttachmentRefused } from "./upload-store.ts";
export type { NewUpload, UploadRecord, UploadStore } from "./upload-store.ts";
export type { MessageChange, ReactionChange, RoomEventStore, RoomLogEntry } from "./room-events-store.ts";
export type { Database, HistoryPage, NewMessage, RoomRecord, Store, UserWithHash } from "./store.ts";
export type { IdempotencyClaim, IdempotencyRecord, IdempotencyStore } from "./idempotency-store.ts";
export { addressesSomeone } from "./user-events-store.ts";
export type { AddressedUserEvent, MentionRequest, UserEventStore } from "./user-events-store.ts";
export type { Appended } from "./append-batcher.ts";
export type { NotificationStore } from "./notification-store.ts";
export type { SearchRequest, SearchStore } from "./search-store.ts";
export type { MemberStore, RoomAccess, RoomMember } from "./member-store.ts";
export type { Account, AccountStore, DmRecord } from "./account-store.ts";
