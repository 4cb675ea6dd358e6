#!/usr/bin/env bash
# Measures `pnpm dev` as a user runs it: wall time from the command to the service's "listening"
# line, CPU seconds the process tree used until then, and the PSS of every process in the tree
# (pnpm, the launcher, the service, PostgreSQL and its backends) once it is up.
#
#   packages/service/scripts/measure-dev-start.sh [fresh|again]
#
# `fresh` (default) starts on a new, empty data directory (initdb included: a first start);
# `again` reuses the one a previous run left. Run as root, it runs the tree at nice -20 so that
# other work on a shared machine does not inflate the wall time much (CPU seconds are unaffected).
set -euo pipefail
cd "$(dirname "$0")/../../.."
mode=${1:-fresh}
data=${MEASURE_DATA_DIR:-/tmp/measure-dev-start}
[ "$mode" = fresh ] && rm -rf "$data"
log=$(mktemp)
nice_cmd=()
[ "$(id -u)" = 0 ] && nice_cmd=(nice -n -20)
start=$(date +%s%N)
DEV_DATA_DIR=$data PORT=0 HOST=127.0.0.1 setsid "${nice_cmd[@]}" pnpm dev >"$log" 2>&1 &
leader=$!
until grep -q '"msg":"listening' "$log"; do
  if ! kill -0 "$leader" 2>/dev/null; then cat "$log"; exit 1; fi
  sleep 0.01
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))

descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
tree=("$leader" $(descendants "$leader"))
ticks=$(getconf CLK_TCK)
cpu=0
for p in "${tree[@]}"; do
  # utime stime cutime cstime (fields 14-17): this process and its reaped children (initdb).
  read -r -a f < <(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
  cpu=$(( cpu + f[11] + f[12] + f[13] + f[14] ))
done
sleep 2 # let start-up garbage settle before reading memory
total=0
server=0
for p in "${tree[@]}"; do
  pss=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
  cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
  printf '  %7s kB  %s\n' "$pss" "${cmd:0:110}"
  total=$(( total + pss ))
  case "$cmd" in *src/main.ts*|*embedded-postgres*|postgres:*) server=$(( server + pss ));; esac
done
echo "mode=$mode ready_ms=$ready_ms cpu_s=$(echo "scale=2; $cpu / $ticks" | bc)"
echo "pss_tree_MB=$(( total / 1024 )) pss_service_and_postgres_MB=$(( server / 1024 ))"
kill -INT -- -"$leader"
wait "$leader" 2>/dev/null || true
rm -f "$log"
