import type { User } from "@parley/protocol";
import type { AccessFields } from "../transport/http-client.ts";

type Labelled = AccessFields & { name: string };

/** A direct message: a room of `kind` "dm", which has no name of its own to show. */
export const isDm = (room: AccessFields) => room.kind === "dm";

/** A private room or DM: only its members can see it. */
export const isPrivate = (room: AccessFields) => room.visibility === "private" || isDm(room);

/** A DM's other participants (the user left out), by name. */
export function otherMembers(room: AccessFields, meId: string | undefined): User[] {
  return (room.members ?? []).filter((u) => u.id !== meId).sort((a, b) => a.username.localeCompare(b.username));
}

/**
 * What a room is called wherever it shows (the sidebar, its header, the tab's title, a
 * notification): "#name" for a room, the other participants' names for a DM ("bob, carol").
 */
export function roomLabel(room: Labelled, meId: string | undefined): string {
  if (!isDm(room)) return `#${room.name}`;
  const others = otherMembers(room, meId);
  return others.length ? others.map((u) => u.username).join(", ") : "Direct message";
}
