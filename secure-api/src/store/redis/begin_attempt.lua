-- Reserves one credential check of a client before it is verified.
-- KEYS[1]: the client's checks, a sorted set of 'p:<id>' (in progress)
--          and 'f:<id>' (failed) members scored by their time in ms.
-- KEYS[2]: the client's lock-out, a key that expires when the lock ends.
-- ARGV[1]: the window, in milliseconds.
-- ARGV[2]: the failure limit.
-- ARGV[3]: the attempt's id.
-- Returns {1, 0} when reserved, {0, wait in ms} when refused: locked out,
-- or the failures and checks in progress already make the limit.
local lock = redis.call('PTTL', KEYS[2])
if lock > 0 then
  return {0, lock}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, math.max(tonumber(oldest[2]) + window - now, 1000)}
end
redis.call('ZADD', KEYS[1], now, 'p:' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
