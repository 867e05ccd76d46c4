#!/usr/bin/env bash
# The shared state store under load: the `secure` server of bench/servers
# (B of bench/load.sh: #[secure] with a quota, HS256 token) with its state
# in process memory, then in a loopback Redis, alternately, ROUNDS times,
# with wrk and 64 connections. Each request of B makes two store calls (the
# lock-out check before routing and the quota charge; the token is cached),
# so with Redis every request is two round trips.
#
# Prints requests/s, wrk's latency (mean, p50, p99) per store, the Redis
# checks per second, and the latency Redis adds per request (p50 and mean).
# Needs wrk and redis-server (`apt-get install -y wrk redis-server`).
#
#   bench/redis.sh                # 3 rounds of 10 s per store
#   ROUNDS=5 DURATION=20 bench/redis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18090}
REDIS_PORT=${REDIS_PORT:-16399}

# shellcheck source=bench/common.sh
source bench/common.sh
require wrk redis-server
"${load_cpu[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$out" --maxmemory-policy noeviction >"$out/redis.log" 2>&1 &
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break; sleep 0.1; done

# ms VALUE: wrk's latency (850.00us, 1.20ms, 2.00s) in microseconds.
us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else print n * 1000000 }'; }

# run STORE: one server, one wrk run; appends "store rps mean_us p50_us p99_us".
run() {
    local store=$1 env=()
    [ "$store" = redis ] && env=(SECURE_API_REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
    env "${env[@]}" "${server_cpu[@]}" "$bin" secure "$PORT" >"$out/server.out" 2>"$out/server.err" &
    local pid=$!
    for _ in $(seq 100); do grep -q '^ready' "$out/server.out" 2>/dev/null && break; sleep 0.05; done
    local token
    token=$(sed -n 's/^token //p' "$out/server.out")
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/v1/customers")
    [ "$status" = 200 ] || { echo "$store answered $status" >&2; kill "$pid"; exit 1; }
    "${load_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$PORT/v1/customers" >"$out/wrk.out"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local non2xx
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out/wrk.out")
    [ -z "$non2xx" ] || { echo "$store: $non2xx answers were not 2xx" >&2; exit 1; }
    local rps mean p50 p99
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out/wrk.out")
    mean=$(us "$(awk '/^    Latency/ {print $2}' "$out/wrk.out")")
    p50=$(us "$(awk '/^ +50%/ {print $2}' "$out/wrk.out")")
    p99=$(us "$(awk '/^ +99%/ {print $2}' "$out/wrk.out")")
    printf '  %-7s %10.0f req/s  latency mean %7.0f us  p50 %7.0f us  p99 %7.0f us\n' "$store" "$rps" "$mean" "$p50" "$p99"
    echo "$store $rps $mean $p50 $p99" >>"$out/results"
}

echo "server: ${server_cpu[*]} $bin secure (one worker); load: wrk -t1 -c$CONNECTIONS -d${DURATION}s ${load_cpu[*]}; redis-server on 127.0.0.1:$REDIS_PORT"
for round in $(seq "$ROUNDS"); do
    echo "round $round"
    run memory
    run redis
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -v s="$1" -v c="$2" '$1 == s {print $c}' "$out/results" | median; }
echo
echo "| store | req/s (median) | latency mean | p50 | p99 |"
echo "| --- | --- | --- | --- | --- |"
for store in memory redis; do
    printf '| %s | %.0f | %.0f us | %.0f us | %.0f us |\n' "$store" "$(col "$store" 2)" "$(col "$store" 3)" "$(col "$store" 4)" "$(col "$store" 5)"
done
echo
awk -v r="$(col redis 2)" 'BEGIN { printf "Redis checks per second: %.0f (two per request)\n", r * 2 }'
awk -v m="$(col memory 4)" -v r="$(col redis 4)" -v mm="$(col memory 3)" -v rm="$(col redis 3)" \
    'BEGIN { printf "Latency Redis adds per request: p50 %+.0f us, mean %+.0f us\n", r - m, rm - mm }'
