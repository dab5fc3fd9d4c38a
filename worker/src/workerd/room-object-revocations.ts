import type { Clock } from "@parley/common";
import { SESSIONS_CHANNEL } from "../ports/bus.ts";
import { MemoryRevocations, type Revocations } from "../ports/revocations.ts";
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
    for (const { jti, exp } of await roomObject(this.rooms, SESSIONS_CHANNEL).revocations()) await this.local.revoke(jti, exp);
  }

  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.local.revoke(jti, expiresAt);
    await roomObject(this.rooms, SESSIONS_CHANNEL).revoke(jti, expiresAt);
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.local.isRevoked(jti);
  }

  /** Another gateway revoked a token (its `revoked` event on the sessions channel). */
  heard(jti: string): void {
    void this.local.revoke(jti, Math.ceil(this.clock.now() / 1000) + this.ttlSeconds);
  }
}
