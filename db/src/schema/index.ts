export { users } from "./users.ts";
export { rooms } from "./rooms.ts";
export { roomSeq } from "./room-seq.ts";
export { memberships } from "./memberships.ts";
export { messages } from "./messages.ts";
export { idempotencyKeys } from "./idempotency-keys.ts";
export { refreshTokens } from "./refresh-tokens.ts";
export { roomEvents, reactions } from "./room-events.ts";
export { userSeq, userEvents } from "./user-events.ts";
