-- Version-guarded write of one live case plus its queue moves, atomic because Redis runs a
-- script without interleaving other commands.
--
-- KEYS[1] case hash   KEYS[2] open-id set
-- ARGV[1] version     ARGV[2] view JSON      ARGV[3] case id
-- ARGV[4] '1' if the view sits in a queue, else '0'
-- ARGV[5] queue name  ARGV[6] queue score ('+inf' when there is no due time)
-- ARGV[7] queue key prefix ('<prefix>:queue:')
-- ARGV[8] '1' if the case is open, else '0'
-- ARGV[9] tombstone TTL in seconds
--
-- The old queue is only known from the stored hash, so its key is built here rather than passed
-- in KEYS. Standalone Redis allows that; Redis Cluster would not (see redis_live.rs).
--
-- Returns 1 if applied, 0 if the stored version is the same or newer.

local stored = redis.call('HGET', KEYS[1], 'version')
-- Versions are compared as Lua numbers (doubles): exact for versions below 2^53.
if stored and tonumber(stored) >= tonumber(ARGV[1]) then
  return 0
end

local old_queue = redis.call('HGET', KEYS[1], 'queue')
if old_queue and (ARGV[4] == '0' or old_queue ~= ARGV[5]) then
  redis.call('ZREM', ARGV[7] .. old_queue, ARGV[3])
end

if ARGV[4] == '1' then
  -- ZADD also refreshes the score when only the due time changed.
  redis.call('ZADD', ARGV[7] .. ARGV[5], ARGV[6], ARGV[3])
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2], 'queue', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2])
  redis.call('HDEL', KEYS[1], 'queue')
end

if ARGV[8] == '1' then
  redis.call('SADD', KEYS[2], ARGV[3])
  -- A reopened case must not expire with the TTL its earlier terminal write set.
  redis.call('PERSIST', KEYS[1])
else
  redis.call('SREM', KEYS[2], ARGV[3])
  -- Keep a tombstone long enough to outlive any redelivery of stale events, then let it go.
  redis.call('EXPIRE', KEYS[1], ARGV[9])
end

return 1
