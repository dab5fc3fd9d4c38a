import type { Clock } from "@parley/common";
import { SESSIONS_CHANNEL, type SessionEvent } from "../ports/bus.ts";
import { MemoryRevocations, type RevocableToken, type Revocations } from "../ports/revocations.ts";
import { roomObject, type RoomNamespace } from "./room-api.ts";

/**
 * Revocations shared by every gateway: kept in the sessions room object's storage, and checked in
 * memory. A gateway loads the list when it starts and hears later revocations on the bus's
 * sessions channel (`heard`), the same event that closes the token's sockets.
 */
export class RoomObjectRevocations implements Revocations {
  private readonly local: MemoryRevocations;

  constructor(
    private readonly rooms: RoomNamespace,
    private readonly clock: Clock,
    /** How long a token lives at most: a revocation heard on the bus carries no expiry. */
    private readonly ttlSeconds: number,
  ) {
    this.local = new MemoryRevocations(clock);
  }

  /** Loads the revocations stored before this gateway started. */
  async load(): Promise<void> {
    const sessions = roomObject(this.rooms, SESSIONS_CHANNEL);
    for (const { jti, exp } of await sessions.revocations()) await this.local.revoke(jti, exp);
    for (const { userId, before, exp } of await sessions.userCutoffs()) await this.local.revokeUser(userId, before, exp);
  }

  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.local.revoke(jti, expiresAt);
    await roomObject(this.rooms, SESSIONS_CHANNEL).revoke(jti, expiresAt);
  }

  async revokeUser(userId: string, before: number, expiresAt: number): Promise<void> {
    await this.local.revokeUser(userId, before, expiresAt);
    await roomObject(this.rooms, SESSIONS_CHANNEL).revokeUser(userId, before, expiresAt);
  }

  isRevoked(token: RevocableToken): Promise<boolean> {
    return this.local.isRevoked(token);
  }

  /** Another gateway revoked a token or signed a user out (its event on the sessions channel). */
  heard(event: SessionEvent): void {
    const until = Math.ceil(this.clock.now() / 1000) + this.ttlSeconds;
    if (event.kind === "revoked") void this.local.revoke(event.jti, until);
    else void this.local.revokeUser(event.userId, event.before, until);
  }
}
