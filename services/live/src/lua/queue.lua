-- Reads the head of one queue and the views of its members in one atomic snapshot, so a case
-- that moves or closes concurrently is never returned under a queue it has already left.
--
-- KEYS[1] queue zset   ARGV[1] last rank to read (limit - 1)
-- ARGV[2] case key prefix ('<prefix>:case:{'); the id and a closing '}' are appended.
--
-- Returns the JSON views in queue order (score, then id).

local ids = redis.call('ZRANGE', KEYS[1], 0, ARGV[1])
local views = {}
for _, id in ipairs(ids) do
  local data = redis.call('HGET', ARGV[2] .. id .. '}', 'data')
  if data then
    views[#views + 1] = data
  end
end
return views
