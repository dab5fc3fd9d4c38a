import type { RedisScript } from "@parley/common/redis";

/*
 * Layout (prefix `<p>`), each key hash-tagged so that every script touches one Cluster slot:
 * - `<p>:{r:<roomId>}:presence`: a hash, user id → `{"n": username, "w": {<workerId>: 1, …}}`, the
 *   workers the user is online through. Its HLEN is the room's online count. In the room's slot.
 * - `<p>:{w:<workerId>}:presence-held`: a set of `<roomId>|<userId>`, what that worker holds, so
 *   that the sweep of a dead worker visits its rooms only. In the worker's slot.
 * - `<p>:{workers}:presence`: a sorted set, worker id scored by when its entries expire; each worker
 *   refreshes its own score every ttl/3. A worker is live while its score is in the future.
 * - `<p>:{workers}:presence-sweep:<workerId>`: the lease of the one survivor sweeping that dead
 *   worker (`SET NX PX`), beside the sorted set so that claiming can check the score atomically.
 * The room scripts do not read the sorted set (another slot): they return the other workers holding
 * the user, and the caller asks the sorted set about those only when there are any.
 */

/**
 * KEYS: room hash. ARGV: userId, username, workerId.
 * Returns the workers that held the user before, this one included (the user is fresh unless this
 * worker or a live one is among them).
 */
export const ADD: RedisScript = {
  numberOfKeys: 1,
  lua: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local entry = raw and cjson.decode(raw) or { w = {} }
local before = {}
for w in pairs(entry.w) do before[#before + 1] = w end
entry.n = ARGV[2]
entry.w[ARGV[3]] = 1
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return before`,
};

/**
 * KEYS: room hash. ARGV: userId, workerId.
 * Returns false when this worker did not hold the user, else the workers still holding them.
 */
export const REMOVE: RedisScript = {
  numberOfKeys: 1,
  lua: `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local entry = cjson.decode(raw)
if not entry.w[ARGV[2]] then return false end
entry.w[ARGV[2]] = nil
local left = {}
for w in pairs(entry.w) do left[#left + 1] = w end
if #left > 0 then redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry)) else redis.call('HDEL', KEYS[1], ARGV[1]) end
return left`,
};

/**
 * KEYS: workers zset, this worker's sweep lease. ARGV: workerId, expiry.
 * Returns 0 when the worker was not listed or is being swept (it stalled past its ttl): its entries must be written again.
 */
export const HEARTBEAT: RedisScript = {
  numberOfKeys: 2,
  lua: `
local listed = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if listed and redis.call('EXISTS', KEYS[2]) == 0 then return 1 end
return 0`,
};

/**
 * KEYS: workers zset, the dead worker's sweep lease. ARGV: workerId, now, sweeper id, lease ms.
 * Returns 1 when the worker is still expired and this sweeper took the lease; 0 when it revived or another survivor sweeps it.
 */
export const CLAIM: RedisScript = {
  numberOfKeys: 2,
  lua: `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) > tonumber(ARGV[2]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 1 end
return 0`,
};

/**
 * KEYS: workers zset, the dead worker's sweep lease. ARGV: workerId, now, sweeper id.
 * Ends a sweep: unlists the worker unless it revived meanwhile, and releases the lease if it is still this sweeper's.
 */
export const FINISH: RedisScript = {
  numberOfKeys: 2,
  lua: `
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
redis.call('DEL', KEYS[2])
return 1`,
};

/**
 * KEYS: room hash. ARGV: workerId, userId…
 * Drops a swept worker from those users; returns the usernames (by user) of those nobody holds now, as {id, name, …}.
 */
export const DROP: RedisScript = {
  numberOfKeys: 1,
  lua: `
local gone = {}
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local entry = cjson.decode(raw)
    if entry.w[ARGV[1]] then
      entry.w[ARGV[1]] = nil
      if next(entry.w) then
        redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(entry))
      else
        redis.call('HDEL', KEYS[1], ARGV[i])
        gone[#gone + 1] = ARGV[i]
        gone[#gone + 1] = entry.n
      end
    end
  end
end
return gone`,
};
