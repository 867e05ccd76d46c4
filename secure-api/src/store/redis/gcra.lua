-- Charges one request to a GCRA bucket (the generic cell rate algorithm,
-- as governor runs it in process), atomically, on the Redis clock.
-- KEYS[1]: the bucket, holding its theoretical arrival time (TAT), in
--          microseconds since the Unix epoch; it expires when the bucket
--          is full again.
-- ARGV[1]: the period (window / count), in microseconds.
-- ARGV[2]: the burst.
-- Returns {admitted (1 or 0), cells remaining, wait in microseconds}.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local period = tonumber(ARGV[1])
local tolerance = period * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end
local new_tat = tat + period
local allow_at = new_tat - tolerance
if allow_at > now then
  return {0, 0, allow_at - now}
end
local ttl_ms = math.max(math.ceil((new_tat - now) / 1000), 1)
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', ttl_ms))
return {1, math.floor((now - allow_at) / period), 0}
