# Sourced by bench/load.sh and bench/redis.sh (from the repository root):
# checks the tools and builds bench/servers in release (`require`), pins
# the server to CPU 0 and the load generator to CPU 1 when taskset is
# there, and makes a temporary directory that is removed, with every
# background job killed, on exit.
#
#   require TOOL...   exits naming the Debian package of a missing tool;
#                     then builds the servers.
#   server_cpu, load_cpu   command prefixes (empty without taskset).
#   bin, out          the server binary and the temporary directory.

require() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$tool is not installed: apt-get install -y $*" >&2; exit 1; }
    done
    cargo build --release -q -p bench-servers
}

server_cpu=() load_cpu=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    server_cpu=(taskset -c 0) load_cpu=(taskset -c 1)
fi

bin=target/release/bench-servers
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
