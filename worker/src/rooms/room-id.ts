import { notFound } from "@parley/common";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A room id from a path or frame: anything that is not a UUID cannot be a room (404, not a database error). */
export function roomIdParam(value: string): string {
  if (!UUID.test(value)) throw notFound("room");
  return value.toLowerCase();
}

/** A user id from a path: anything that is not a UUID cannot be a user (404). */
export function userIdParam(value: string): string {
  if (!UUID.test(value)) throw notFound("user");
  return value.toLowerCase();
}

/** A message id from a path: anything that is not a UUID cannot be a message (404). */
export function messageIdParam(value: string): string {
  if (!UUID.test(value)) throw notFound("message");
  return value.toLowerCase();
}
