-- Ends a credential check: refunded when the credentials were good,
-- counted as a failure otherwise; the failure that makes the limit
-- within the window locks the client out for a window.
-- KEYS and ARGV[1..3] as in begin_attempt.lua; ARGV[4]: '1' when the
-- check failed, '0' when it succeeded.
-- Returns 1 when this failure locks the client out, else 0.
redis.call('ZREM', KEYS[1], 'p:' .. ARGV[3])
if ARGV[4] ~= '1' then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, 'f:' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
local failures = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(member, 1, 2) == 'f:' then
    failures = failures + 1
  end
end
if failures < tonumber(ARGV[2]) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', window)
return 1
