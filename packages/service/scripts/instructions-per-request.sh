#!/usr/bin/env bash
# CPU instructions the service process spends per request (callgrind's Ir count), for comparing two
# builds on a busy machine: unlike time, an instruction count barely moves with other sessions' load.
#
#   packages/service/scripts/instructions-per-request.sh <build> [requests=1000] [NAME=value ...]
#
# <build> is `dist` (this checkout's `pnpm build` output) or a git ref, whose packages/service/src is
# built into a temporary directory beside src (so it resolves this checkout's node_modules) and removed
# after. The service runs on the memory store under valgrind with instrumentation off; after a warm-up
# (676 PUTs, 3000 GETs, 3000 PUTs) it is switched on for exactly <requests> GETs, then <requests> PUTs, sent
# one at a time over keep-alive, and the count of each batch is divided by <requests>. NAME=value pairs go
# to the service's environment (e.g. OTEL_EXPORTER_OTLP_ENDPOINT=...). Needs valgrind (apt). Takes about a
# minute per build.
set -euo pipefail
service_dir=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: instructions-per-request.sh <dist|git-ref> [requests] [NAME=value ...]}
requests=${2:-1000}
shift $(($# >= 2 ? 2 : 1))
node=$(cd "$service_dir" && pnpm exec node -p process.execPath)
work=$(mktemp -d)
built=""
cleanup() {
  if [ -n "${valgrind_pid:-}" ]; then kill "$valgrind_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  if [ -n "$built" ]; then rm -rf "$built"; fi
}
trap cleanup EXIT

if [ "$build" = dist ]; then
  dist=$service_dir/dist
else
  built=$(mktemp -d "$service_dir/.build-XXXXXX")
  git -C "$service_dir" archive "$build" src | tar -x -C "$built"
  printf '{"extends":"../tsconfig.build.json","compilerOptions":{"rootDir":"src","outDir":"dist","sourceMap":false},"include":["src/**/*.ts"]}' \
    >"$built/tsconfig.json"
  (cd "$service_dir" && pnpm exec tsc -p "$built/tsconfig.json")
  dist=$built/dist
fi

cat >"$work/load.mjs" <<'EOF'
// node load.mjs <port> <get|put> <n>: exactly n requests, one at a time; any other status fails the run.
const [port, op, n] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const url = (i) => `http://127.0.0.1:${port}/hello/user${String.fromCharCode(97 + (i % 26), 97 + (Math.floor(i / 26) % 26))}`;
for (let i = 0; i < n; i++) {
  const response = op === 'get'
    ? await fetch(url(i % 676))
    : await fetch(url(i % 676), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"dateOfBirth":"1990-05-17"}' });
  await response.arrayBuffer();
  if (response.status !== (op === 'get' ? 200 : 204)) throw new Error(`${op} answered ${response.status}`);
}
EOF

# valgrind and callgrind_control must agree on USER and HOST (they name the control pipe); HOST is also
# the service's listen address. The overload guard is off: valgrind's slowness would make it shed.
# --single-threaded: V8 collects garbage on the main thread, not on helper threads whose share of the work
# varies from run to run (callgrind counts every thread); both builds pay the same.
export USER=${USER:-$(id -un)} HOST=127.0.0.1
env STORE=memory PORT=0 MANAGEMENT_PORT=0 MAX_EVENT_LOOP_DELAY_MS=0 LOG_LEVEL=info "$@" \
  valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
  --callgrind-out-file="$work/callgrind.%p" "$node" --single-threaded "$dist/main.js" >"$work/service.log" 2>"$work/valgrind.log" &
valgrind_pid=$!
port=""
for _ in $(seq 1200); do
  port=$(grep -ao '"port":[0-9]*' "$work/service.log" | head -1 | cut -d: -f2 || true)
  [ -n "$port" ] && break
  kill -0 "$valgrind_pid" 2>/dev/null || { cat "$work/service.log" "$work/valgrind.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the service did not start listening" >&2; exit 1; }

"$node" "$work/load.mjs" "$port" put 676
"$node" "$work/load.mjs" "$port" get 3000
"$node" "$work/load.mjs" "$port" put 3000
for op in get put; do
  callgrind_control -z "$valgrind_pid" >/dev/null 2>&1
  callgrind_control -i on "$valgrind_pid" >/dev/null 2>&1
  "$node" "$work/load.mjs" "$port" "$op" "$requests"
  callgrind_control -i off "$valgrind_pid" >/dev/null 2>&1
  callgrind_control -d "$op" "$valgrind_pid" >/dev/null 2>&1
  dump=$(grep -al "^desc: Trigger: dump $op\$" "$work"/callgrind.*)
  instructions=$(grep -a '^totals:' "$dump" | awk '{print $2}')
  echo "$build ${op^^}: $((instructions / requests)) instructions per request ($instructions for $requests)"
done
kill -TERM "$valgrind_pid"
wait "$valgrind_pid" || true
valgrind_pid=""
