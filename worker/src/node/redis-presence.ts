import type { User } from "@parley/protocol";
import type { Logger } from "@parley/common";
import { defineScripts, type RedisConnection } from "@parley/common/redis";
import { sortUsers, type Presence } from "../ports/presence.ts";
import { ADD, CLAIM, DROP, FINISH, HEARTBEAT, REMOVE } from "./redis-presence-scripts.ts";

/** The scripts as commands on the presence connection; arguments are KEYS then ARGV (redis-presence-scripts.ts). */
interface PresenceScripts {
  presenceAdd(room: string, userId: string, username: string, workerId: string): Promise<string[]>;
  presenceRemove(room: string, userId: string, workerId: string): Promise<string[] | null>;
  presenceHeartbeat(workers: string, lease: string, workerId: string, expiry: number): Promise<number>;
  presenceClaim(workers: string, lease: string, workerId: string, now: number, sweeper: string, leaseMs: number): Promise<number>;
  presenceFinish(workers: string, lease: string, workerId: string, now: number, sweeper: string): Promise<number>;
  presenceDrop(room: string, workerId: string, ...userIds: string[]): Promise<string[]>;
}

interface Entry {
  n: string;
  w: Record<string, 1>;
}

/**
 * Presence shared by all workers through Redis, standalone or Cluster: a hash per room (user → the
 * workers they are online through), so adding or removing a user costs O(1) whatever the room's size.
 * Each worker heartbeats one score; the users of a worker that stopped are hidden once it expires,
 * and announced gone by the one survivor that takes the sweep lease for it.
 *
 * Every call touches one slot at a time (layout in redis-presence-scripts.ts), so some steps that
 * one script did on one Redis are now two. Why each order is safe:
 * - add writes the worker's held set before the room entry: a crash between leaves a held member
 *   with no entry, which the sweep skips; the reverse would leave an entry no sweep ever finds.
 * - remove deletes the room entry before the held member, for the same reason.
 * - whether a user is fresh (or gone) is decided from the other holders the room script returned,
 *   looked up in the workers set just after: a worker that dies in between is counted live once,
 *   so one arrival goes unannounced; its sweep then sees the user still held and announces nothing.
 * - the sweep takes a lease, drops the dead worker from its rooms' entries, then unlists it: a
 *   sweeper that dies midway leaves the worker listed and expired, and the next survivor redoes the
 *   sweep once the lease lapses (dropping is idempotent). A worker that was only stalled heartbeats
 *   "not listed or being swept" and writes its entries again until the sweep is over.
 */
export class RedisPresence implements Presence {
  private readonly redis: RedisConnection & PresenceScripts;
  private readonly local = new Map<string, { roomId: string; user: User }>(); // key: roomId|userId
  private readonly timer: NodeJS.Timeout;
  /** When this worker's listing was last refreshed (by its clock); add() heartbeats when it is older than ttl/3. */
  private listedAt = -Infinity;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
    private readonly workerId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.redis = defineScripts<PresenceScripts>(redis, {
      presenceAdd: ADD,
      presenceRemove: REMOVE,
      presenceHeartbeat: HEARTBEAT,
      presenceClaim: CLAIM,
      presenceFinish: FINISH,
      presenceDrop: DROP,
    });
    this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs());
    this.timer.unref();
  }

  private heartbeatMs = () => Math.max(1000, Math.floor(this.ttlMs / 3));
  private roomKey = (roomId: string) => `${this.prefix}:{r:${roomId}}:presence`;
  private heldKey = (workerId = this.workerId) => `${this.prefix}:{w:${workerId}}:presence-held`;
  private workersKey = () => `${this.prefix}:{workers}:presence`;
  private leaseKey = (workerId = this.workerId) => `${this.prefix}:{workers}:presence-sweep:${workerId}`;

  async add(roomId: string, user: User) {
    this.local.set(`${roomId}|${user.id}`, { roomId, user });
    // Not listed: new, or a sweep took this worker's entries while it stalled; put the others back too.
    if (this.now() - this.listedAt >= this.heartbeatMs() && !(await this.beat()) && this.local.size > 1) void this.restore();
    const before = await this.write(roomId, user);
    return !before.includes(this.workerId) && !(await this.anyLive(before));
  }

  async remove(roomId: string, user: User) {
    this.local.delete(`${roomId}|${user.id}`);
    const left = await this.redis.presenceRemove(this.roomKey(roomId), user.id, this.workerId);
    if (left === null) return false;
    await this.redis.srem(this.heldKey(), `${roomId}|${user.id}`);
    return !(await this.anyLive(left));
  }

  async online(roomId: string) {
    const entries = Object.entries(await this.redis.hgetall(this.roomKey(roomId))).map(([id, raw]) => [id, JSON.parse(raw) as Entry] as const);
    const live = await this.liveAmong([...new Set(entries.flatMap(([, entry]) => Object.keys(entry.w)))]);
    return sortUsers(entries.filter(([, entry]) => Object.keys(entry.w).some((w) => live.has(w))).map(([id, entry]) => ({ id, username: entry.n })));
  }

  /** One HLEN per room, sent together: the rooms' hashes live in different slots, so no pipeline spans them. */
  async onlineCounts(roomIds: string[]) {
    const counts = await Promise.all(roomIds.map((id) => this.redis.hlen(this.roomKey(id))));
    return new Map(roomIds.map((id, i) => [id, counts[i]!]));
  }

  /** Sweeps every expired worker whose lease this worker takes; returns the users now online nowhere. */
  async sweep() {
    const now = this.now();
    const gone: Array<{ roomId: string; user: User }> = [];
    for (const dead of await this.redis.zrangebyscore(this.workersKey(), "-inf", now)) {
      if (dead === this.workerId) continue; // stalled, not dead: its heartbeat writes its entries again
      if ((await this.redis.presenceClaim(this.workersKey(), this.leaseKey(dead), dead, now, this.workerId, this.ttlMs)) !== 1) continue;
      gone.push(...(await this.sweepWorker(dead)));
      await this.redis.presenceFinish(this.workersKey(), this.leaseKey(dead), dead, now, this.workerId);
    }
    return gone;
  }

  /** Keeps this worker listed past the next heartbeat; puts its entries back if a sweep took them. */
  async heartbeat() {
    if (this.local.size === 0) return;
    try {
      if (!(await this.beat())) await this.restore();
    } catch (err) {
      this.logger.warn({ err }, "presence heartbeat failed");
    }
  }

  async close() {
    clearInterval(this.timer);
    this.redis.disconnect();
  }

  /** Refreshes this worker's score; false when it was not listed or is being swept. */
  private async beat() {
    const now = this.now();
    const listed = await this.redis.presenceHeartbeat(this.workersKey(), this.leaseKey(), this.workerId, now + this.ttlMs);
    this.listedAt = now;
    return listed === 1;
  }

  /** Drops the dead worker from every room it held, one script per room, the rooms in parallel. */
  private async sweepWorker(dead: string) {
    const held = await this.redis.smembers(this.heldKey(dead));
    const byRoom = new Map<string, string[]>();
    for (const member of held) {
      const [roomId, userId] = member.split("|") as [string, string];
      byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), userId]);
    }
    const dropped = await Promise.all(
      [...byRoom].map(async ([roomId, userIds]) => {
        const pairs = await this.redis.presenceDrop(this.roomKey(roomId), dead, ...userIds);
        return Array.from({ length: pairs.length / 2 }, (_, i) => ({ roomId, user: { id: pairs[2 * i]!, username: pairs[2 * i + 1]! } }));
      }),
    );
    // Only the members read: a stalled worker that came back may have written new ones meanwhile.
    if (held.length > 0) await this.redis.srem(this.heldKey(dead), ...held);
    return dropped.flat();
  }

  /** Lists the entry in the worker's held set first, then in the room (see the class comment); returns the previous holders. */
  private async write(roomId: string, user: User) {
    await this.redis.sadd(this.heldKey(), `${roomId}|${user.id}`);
    return this.redis.presenceAdd(this.roomKey(roomId), user.id, user.username, this.workerId);
  }

  private async restore() {
    await Promise.all([...this.local.values()].map(({ roomId, user }) => this.write(roomId, user))).catch((err) =>
      this.logger.warn({ err }, "presence restore failed"),
    );
  }

  private async anyLive(workerIds: string[]) {
    return workerIds.length > 0 && (await this.liveAmong(workerIds)).size > 0;
  }

  /** Which of these workers are live: one ZMSCORE, or none when there are no workers to ask about. */
  private async liveAmong(workerIds: string[]): Promise<Set<string>> {
    if (workerIds.length === 0) return new Set();
    const scores = await this.redis.zmscore(this.workersKey(), ...workerIds);
    const now = this.now();
    return new Set(workerIds.filter((_, i) => scores[i] != null && Number(scores[i]) > now));
  }
}
