import type { Redis } from "ioredis";
import type { User } from "@parley/protocol";
import type { Logger } from "@parley/common";
import { sortUsers, type Presence } from "../ports/presence.ts";
import { createRedis, defineScripts } from "./redis-client.ts";

/*
 * Layout: one sorted set per room, `<prefix>:presence:<roomId>`, members `<userId>|<workerId>|<username>`
 * scored by the time the entry expires; `<prefix>:presence-rooms` lists rooms with entries. Each worker
 * refreshes its own entries every ttl/3; entries of a worker that died expire and `sweep` removes them.
 * The scripts answer "first entry of this user?" and "last one?" atomically.
 */

/**
 * KEYS: room set, rooms set. ARGV: member, expiry, now, userId|, roomId. Returns 1 when no live entry of the user existed.
 * Expired entries are left for `sweep`, which must see them to announce their users as gone.
 */
const ADD = `
local fresh = 1
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[3], '+inf')) do
  if string.sub(m, 1, #ARGV[4]) == ARGV[4] then fresh = 0 break end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[5])
return fresh`;

/** KEYS: room set. ARGV: member, now, userId|. Returns 1 when the user has no live entry left. */
const REMOVE = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 0 then return 0 end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')) do
  if string.sub(m, 1, #ARGV[3]) == ARGV[3] then return 0 end
end
return 1`;

/** KEYS: room set, rooms set. ARGV: now, roomId. Removes expired entries; returns the members of users now gone. */
const SWEEP = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #expired == 0 then
  if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
  return {}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local live = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  live[string.match(m, '^[^|]*')] = true
end
local gone, seen = {}, {}
for _, m in ipairs(expired) do
  local user = string.match(m, '^[^|]*')
  if not live[user] and not seen[user] then seen[user] = true table.insert(gone, m) end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return gone`;

/** The scripts as commands on the presence connection; arguments are KEYS then ARGV, as documented above. */
interface PresenceScripts {
  presenceAdd(roomKey: string, roomsKey: string, member: string, expiry: number, now: number, userPrefix: string, roomId: string): Promise<number>;
  presenceRemove(roomKey: string, member: string, now: number, userPrefix: string): Promise<number>;
  presenceSweep(roomKey: string, roomsKey: string, now: number, roomId: string): Promise<string[]>;
}

/** Presence shared by all workers through Redis, with heartbeats and expiry. */
export class RedisPresence implements Presence {
  private readonly redis: Redis & PresenceScripts;
  private readonly local = new Map<string, User>(); // key: roomId|userId
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
      presenceAdd: { numberOfKeys: 2, lua: ADD },
      presenceRemove: { numberOfKeys: 1, lua: REMOVE },
      presenceSweep: { numberOfKeys: 2, lua: SWEEP },
    });
    this.timer = setInterval(() => void this.heartbeat(), Math.max(1000, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  private roomKey = (roomId: string) => `${this.prefix}:presence:${roomId}`;
  private roomsKey = () => `${this.prefix}:presence-rooms`;
  private member = (user: User) => `${user.id}|${this.workerId}|${user.username}`;

  async add(roomId: string, user: User) {
    this.local.set(`${roomId}|${user.id}`, user);
    const now = this.now();
    const fresh = await this.redis.presenceAdd(this.roomKey(roomId), this.roomsKey(), this.member(user), now + this.ttlMs, now, `${user.id}|`, roomId);
    return fresh === 1;
  }

  async remove(roomId: string, user: User) {
    this.local.delete(`${roomId}|${user.id}`);
    const gone = await this.redis.presenceRemove(this.roomKey(roomId), this.member(user), this.now(), `${user.id}|`);
    return gone === 1;
  }

  async online(roomId: string) {
    const members = await this.redis.zrangebyscore(this.roomKey(roomId), this.now(), "+inf");
    const users = new Map<string, User>();
    for (const m of members) {
      const user = parseMember(m);
      if (user) users.set(user.id, user);
    }
    return sortUsers([...users.values()]);
  }

  async onlineCounts(roomIds: string[]) {
    const now = this.now();
    const pipeline = this.redis.pipeline();
    for (const id of roomIds) pipeline.zrangebyscore(this.roomKey(id), now, "+inf");
    const results = (await pipeline.exec()) ?? [];
    return new Map(
      roomIds.map((id, i) => {
        const members = (results[i]?.[1] as string[] | undefined) ?? [];
        return [id, new Set(members.map((m) => m.split("|", 1)[0])).size];
      }),
    );
  }

  async sweep() {
    const now = this.now();
    const rooms = await this.redis.smembers(this.roomsKey());
    const gone: Array<{ roomId: string; user: User }> = [];
    for (const roomId of rooms) {
      const members = await this.redis.presenceSweep(this.roomKey(roomId), this.roomsKey(), now, roomId);
      for (const m of members) {
        const user = parseMember(m);
        if (user) gone.push({ roomId, user });
      }
    }
    return gone;
  }

  /** Refreshes this worker's entries so they outlive the next heartbeat. */
  async heartbeat() {
    if (this.local.size === 0) return;
    const expiry = this.now() + this.ttlMs;
    const pipeline = this.redis.pipeline();
    for (const [key, user] of this.local) {
      const roomId = key.split("|", 1)[0]!;
      // A sweep may have dropped the room while this worker stalled: list it again so the entry stays sweepable.
      pipeline.zadd(this.roomKey(roomId), expiry, this.member(user)).sadd(this.roomsKey(), roomId);
    }
    await pipeline.exec().catch((err) => this.logger.warn({ err }, "presence heartbeat failed"));
  }

  async close() {
    clearInterval(this.timer);
    this.redis.disconnect();
  }
}

function parseMember(member: string): User | null {
  const [id, , username] = member.split("|");
  return id && username ? { id, username } : null;
}
