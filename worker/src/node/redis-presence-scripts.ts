import type { RedisScript } from "./redis-client.ts";

/*
 * Layout (prefix `<p>`):
 * - `<p>:presence:<roomId>`: a hash, user id → `{"n": username, "w": {<workerId>: 1, …}}`, the workers
 *   the user is online through. Its HLEN is the room's online count.
 * - `<p>:presence-of:<workerId>`: a set of `<roomId>|<userId>`, what that worker holds (for the sweep).
 * - `<p>:presence-workers`: a sorted set, worker id scored by when its entries expire; each worker
 *   refreshes its own score every ttl/3, so a heartbeat costs one write whatever the worker holds.
 * Adding and removing a user reads and writes that user's field only (and looks up the few workers
 * holding them), never the whole room. A worker is live while its score is in the future.
 */

const LIVE = `
local function live(workers, w, now)
  local s = redis.call('ZSCORE', workers, w)
  return s ~= false and s ~= nil and tonumber(s) > now
end
`;

/**
 * KEYS: room hash, worker set, workers zset. ARGV: userId, username, workerId, expiry, now, roomId.
 * Returns 1 when no live worker had the user (+2 when the worker was not listed: it was swept while stalled).
 */
export const ADD: RedisScript = {
  numberOfKeys: 3,
  lua: `${LIVE}
local now = tonumber(ARGV[5])
local added = redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[6] .. '|' .. ARGV[1])
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local entry = raw and cjson.decode(raw) or { w = {} }
local fresh = 1
for w in pairs(entry.w) do
  if w == ARGV[3] or live(KEYS[3], w, now) then fresh = 0 end
end
entry.n = ARGV[2]
entry.w[ARGV[3]] = 1
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return fresh + 2 * added`,
};

/** KEYS: room hash, worker set, workers zset. ARGV: userId, workerId, now, roomId. Returns 1 when no live worker has the user left. */
export const REMOVE: RedisScript = {
  numberOfKeys: 3,
  lua: `${LIVE}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local entry = cjson.decode(raw)
if not entry.w[ARGV[2]] then return 0 end
entry.w[ARGV[2]] = nil
redis.call('SREM', KEYS[2], ARGV[4] .. '|' .. ARGV[1])
local left, gone = false, 1
for w in pairs(entry.w) do
  left = true
  if live(KEYS[3], w, tonumber(ARGV[3])) then gone = 0 end
end
if left then redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry)) else redis.call('HDEL', KEYS[1], ARGV[1]) end
return gone`,
};

/** KEYS: workers zset. ARGV: workerId, expiry. Returns 0 when the worker was not listed (swept while it stalled). */
export const HEARTBEAT: RedisScript = {
  numberOfKeys: 1,
  lua: `
local listed = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if listed then return 1 end
return 0`,
};

/** KEYS: workers zset, worker set. ARGV: workerId, now. Unlists a dead worker; returns what it held (none if it revived). */
export const CLAIM: RedisScript = {
  numberOfKeys: 2,
  lua: `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) > tonumber(ARGV[2]) then return {} end
redis.call('ZREM', KEYS[1], ARGV[1])
local held = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return held`,
};

/** KEYS: room hash. ARGV: userId, workerId. Drops a claimed worker from the user; returns the username when nobody holds them now. */
export const DROP: RedisScript = {
  numberOfKeys: 1,
  lua: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local entry = cjson.decode(raw)
if not entry.w[ARGV[2]] then return false end
entry.w[ARGV[2]] = nil
if next(entry.w) then
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
  return false
end
redis.call('HDEL', KEYS[1], ARGV[1])
return entry.n`,
};
