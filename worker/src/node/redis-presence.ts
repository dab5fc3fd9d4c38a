import type { Redis } from "ioredis";
import type { User } from "@parley/protocol";
import type { Logger } from "@parley/common";
import { sortUsers, type Presence } from "../ports/presence.ts";
import { createRedis, defineScripts } from "./redis-client.ts";
import { ADD, CLAIM, DROP, HEARTBEAT, REMOVE } from "./redis-presence-scripts.ts";

/** The scripts as commands on the presence connection; arguments are KEYS then ARGV (redis-presence-scripts.ts). */
interface PresenceScripts {
  presenceAdd(
    room: string,
    held: string,
    workers: string,
    userId: string,
    username: string,
    workerId: string,
    expiry: number,
    now: number,
    roomId: string,
  ): Promise<number>;
  presenceRemove(room: string, held: string, workers: string, userId: string, workerId: string, now: number, roomId: string): Promise<number>;
  presenceHeartbeat(workers: string, workerId: string, expiry: number): Promise<number>;
  presenceClaim(workers: string, held: string, workerId: string, now: number): Promise<string[]>;
  presenceDrop(room: string, userId: string, workerId: string): Promise<string | null>;
}

interface Entry {
  n: string;
  w: Record<string, 1>;
}

/**
 * Presence shared by all workers through Redis: a hash per room (user → the workers they are online
 * through), so adding or removing a user costs O(1) whatever the room's size. Each worker heartbeats
 * one score; the users of a worker that stopped are hidden once it expires and announced gone by the
 * next `sweep` of any worker.
 */
export class RedisPresence implements Presence {
  private readonly redis: Redis & PresenceScripts;
  private readonly local = new Map<string, { roomId: string; user: User }>(); // key: roomId|userId
  private readonly timer: NodeJS.Timeout;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly workerId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.redis = defineScripts<PresenceScripts>(createRedis(url, `presence-${workerId}`, logger), {
      presenceAdd: ADD,
      presenceRemove: REMOVE,
      presenceHeartbeat: HEARTBEAT,
      presenceClaim: CLAIM,
      presenceDrop: DROP,
    });
    this.timer = setInterval(() => void this.heartbeat(), Math.max(1000, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  private roomKey = (roomId: string) => `${this.prefix}:presence:${roomId}`;
  private heldKey = (workerId = this.workerId) => `${this.prefix}:presence-of:${workerId}`;
  private workersKey = () => `${this.prefix}:presence-workers`;

  async add(roomId: string, user: User) {
    this.local.set(`${roomId}|${user.id}`, { roomId, user });
    const result = await this.write(roomId, user);
    // Not listed: a sweep took this worker's entries while it stalled; put the others back too.
    if (result & 2 && this.local.size > 1) void this.restore();
    return (result & 1) === 1;
  }

  async remove(roomId: string, user: User) {
    this.local.delete(`${roomId}|${user.id}`);
    const gone = await this.redis.presenceRemove(this.roomKey(roomId), this.heldKey(), this.workersKey(), user.id, this.workerId, this.now(), roomId);
    return gone === 1;
  }

  async online(roomId: string) {
    const [entries, live] = await Promise.all([this.redis.hgetall(this.roomKey(roomId)), this.liveWorkers()]);
    const users: User[] = [];
    for (const [id, raw] of Object.entries(entries)) {
      const entry = JSON.parse(raw) as Entry;
      if (Object.keys(entry.w).some((w) => live.has(w))) users.push({ id, username: entry.n });
    }
    return sortUsers(users);
  }

  async onlineCounts(roomIds: string[]) {
    if (roomIds.length === 0) return new Map<string, number>();
    const pipeline = this.redis.pipeline();
    for (const id of roomIds) pipeline.hlen(this.roomKey(id));
    const results = (await pipeline.exec()) ?? [];
    return new Map(roomIds.map((id, i) => [id, Number(results[i]?.[1] ?? 0)]));
  }

  /** Unlists every expired worker and drops its users; returns those now online nowhere. */
  async sweep() {
    const now = this.now();
    const dead = await this.redis.zrangebyscore(this.workersKey(), "-inf", now);
    const gone: Array<{ roomId: string; user: User }> = [];
    for (const workerId of dead) {
      for (const held of await this.redis.presenceClaim(this.workersKey(), this.heldKey(workerId), workerId, now)) {
        const [roomId, userId] = held.split("|") as [string, string];
        const username = await this.redis.presenceDrop(this.roomKey(roomId), userId, workerId);
        if (username) gone.push({ roomId, user: { id: userId, username } });
      }
    }
    return gone;
  }

  /** Keeps this worker listed past the next heartbeat; puts its entries back if a sweep took them. */
  async heartbeat() {
    if (this.local.size === 0) return;
    try {
      const listed = await this.redis.presenceHeartbeat(this.workersKey(), this.workerId, this.now() + this.ttlMs);
      if (listed === 0) await this.restore();
    } catch (err) {
      this.logger.warn({ err }, "presence heartbeat failed");
    }
  }

  async close() {
    clearInterval(this.timer);
    this.redis.disconnect();
  }

  private write(roomId: string, user: User) {
    const now = this.now();
    return this.redis.presenceAdd(
      this.roomKey(roomId),
      this.heldKey(),
      this.workersKey(),
      user.id,
      user.username,
      this.workerId,
      now + this.ttlMs,
      now,
      roomId,
    );
  }

  private async restore() {
    await Promise.all([...this.local.values()].map(({ roomId, user }) => this.write(roomId, user))).catch((err) =>
      this.logger.warn({ err }, "presence restore failed"),
    );
  }

  private async liveWorkers(): Promise<Set<string>> {
    return new Set(await this.redis.zrangebyscore(this.workersKey(), `(${this.now()}`, "+inf"));
  }
}
