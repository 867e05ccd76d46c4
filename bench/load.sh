#!/usr/bin/env bash
# Load test: a plain actix-web handler (A), the same under #[secure] (B), the
# stack users compose by hand (C), B with redaction (D) and B with an ES256
# token (E), each served by one actix worker, measured with wrk on loopback,
# alternately, ROUNDS times. Prints medians, min/max, the ratios B/A, B/C,
# D/A, E/B, and server CPU per request (from /proc/PID/stat).
#
# Needs wrk (`apt-get install -y wrk`). Pins the server to CPU 0 and wrk to
# CPU 1 when taskset is there.
#
#   bench/load.sh                 # 3 rounds of 10 s per server
#   ROUNDS=5 DURATION=20 bench/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
MODES=${MODES:-"plain secure hand redact es256 es256-nocache"}
PORT=${PORT:-18080}

# shellcheck source=bench/common.sh
source bench/common.sh
require wrk
ticks=$(getconf CLK_TCK)

# run MODE ROUND: one server, one wrk run; appends "mode rps cpu_us_per_req".
run() {
    local mode=$1
    # TMPDIR: the ES256 server's JWKS file goes where the trap removes it.
    TMPDIR="$out" "${server_cpu[@]}" "$bin" "$mode" "$PORT" >"$out/server.out" 2>"$out/server.err" &
    local pid=$!
    for _ in $(seq 100); do grep -q '^ready' "$out/server.out" 2>/dev/null && break; sleep 0.05; done
    local token
    token=$(sed -n 's/^token //p' "$out/server.out")
    local header=()
    [ -n "$token" ] && header=(-H "Authorization: Bearer $token")
    # A warm-up request that must succeed, so a broken server is not measured.
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' "${header[@]}" "http://127.0.0.1:$PORT/v1/customers")
    [ "$status" = 200 ] || { echo "$mode answered $status" >&2; kill "$pid"; exit 1; }
    local before after
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    "${load_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${header[@]}" \
        "http://127.0.0.1:$PORT/v1/customers" >"$out/wrk.out"
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local requests rps non2xx
    requests=$(awk '/requests in/ {print $1}' "$out/wrk.out")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out/wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out/wrk.out")
    [ -z "$non2xx" ] || { echo "$mode: $non2xx answers were not 2xx" >&2; exit 1; }
    echo "$mode $rps $(( (after - before) * 1000000 / ticks )) $requests" >>"$out/results"
    printf '  %-7s %10s req/s\n' "$mode" "$rps"
}

echo "server: ${server_cpu[*]:-(not pinned)} $bin; load: wrk -t1 -c$CONNECTIONS -d${DURATION}s ${load_cpu[*]:-}"
for round in $(seq "$ROUNDS"); do
    echo "round $round"
    for mode in $MODES; do run "$mode"; done
done

python3 - "$out/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mode, rps, cpu_us, requests = line.split()
    rows.setdefault(mode, []).append((float(rps), int(cpu_us) / max(int(requests), 1)))
names = {"plain": "A plain", "secure": "B #[secure]", "hand": "C hand-composed",
         "redact": "D B + redaction", "es256": "E B with ES256 (cache)",
         "es256-nocache": "E B with ES256, no cache"}
med = {m: statistics.median(r for r, _ in v) for m, v in rows.items()}
cpu = {m: statistics.median(c for _, c in v) for m, v in rows.items()}
print()
print("| server | req/s median | min | max | CPU µs/request (median) |")
print("| --- | --- | --- | --- | --- |")
for m, v in rows.items():
    rps = [r for r, _ in v]
    print(f"| {names.get(m, m)} | {med[m]:.0f} | {min(rps):.0f} | {max(rps):.0f} | {cpu[m]:.1f} |")
print()
for a, b, label in [("secure", "plain", "B/A"), ("secure", "hand", "B/C"),
                    ("redact", "plain", "D/A"), ("es256", "secure", "E/B"),
                    ("es256-nocache", "secure", "E/B without the cache")]:
    if a in med and b in med:
        print(f"{label} = {med[a] / med[b]:.2f} (throughput), CPU per request {cpu[a] / cpu[b]:.2f}x")
PY
