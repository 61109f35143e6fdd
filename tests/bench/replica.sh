#!/usr/bin/env bash
# replica.sh WORK VERIFY_LUA [THREADS CONNS DUR]: the bench's "verify against a replica" rows, called
# by tests/bench/run.sh once its database (the cluster in WORK/pg, DDC_DATABASE_URL and DDC_DATA_DIR
# exported) holds its certificates. Makes a streaming replica of that cluster (scripts/pg.sh
# replica, into WORK/replica), then measures, in this run and
# with the same wrk load (VERIFY_LUA: GET /v1/verify/{code} over real codes), the replica's own
# limit (a bare primary-key select on it, pgbench), ddcd GET /v1/verify/{code} uncached with
# DDC_DATABASE_READ_URL on the replica, and the same ddcd on the primary alone. Prints one row each
# in run.sh's style, with the ratios. The replica and both ddcds are stopped and removed on exit.
# On one machine the replica shares the CPUs with the primary and ddcd: the row shows what reading
# through a replica costs, not the capacity a replica on its own host adds (docs/scale.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$1 LUA=$2
THREADS=${3:-$((4 * $(nproc)))} CONNS=${4:-32} DUR=${5:-5}
PGBIN=/usr/lib/postgresql/15/bin
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  scripts/pg.sh destroy "$WORK/replica" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
  echo "bench (replica): $*" >&2
  exit 1
}
# serve LOG [ENV...]: starts ddcd (verdict cache off) with the extra settings; its URL in $URL.
# (Not in a command substitution: that would wait for ddcd, which holds its output.)
serve() {
  local log=$1 port=""
  shift
  env "$@" DDC_VERIFY_CACHE_MS=0 DDC_THREADS="$THREADS" build/ddcd serve --listen 127.0.0.1:0 \
    >/dev/null 2>"$log" &
  PIDS+=($!)
  for _ in $(seq 300); do
    port=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' | head -n 1 || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { tail -n 20 "$log" >&2; fail "ddcd did not start"; }
  URL="http://127.0.0.1:$port"
}
# rps KEY URL [wrk args...]: requests (or transactions) a second of one bounded run, and its p99.
wrk_rps() {
  local out="$WORK/wrk-replica-$1.out"
  wrk -t2 -c"$CONNS" -d1s -s "$LUA" "$2" >/dev/null 2>&1 || true # warm-up
  wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -s "$LUA" "$2" >"$out" 2>&1 || { cat "$out" >&2; fail "wrk failed"; }
  grep -q 'Non-2xx' "$out" && { cat "$out" >&2; fail "$1: non-2xx answers"; }
  awk '/^Requests\/sec:/ {r = $2} $1 == "99%" {p = $2} END {print r, p}' "$out"
}

scripts/pg.sh replica "$WORK/replica" "$WORK/pg" >/dev/null || fail "the replica did not start"
READ_URL=$(scripts/pg.sh url "$WORK/replica")
cat >"$WORK/replica-select.sql" <<'EOF'
\set id random(1, 1000)
SELECT id, role, name, issuer_id, status, created_at, updated_at FROM accounts WHERE id = :id;
EOF
"$PGBIN/pgbench" -M prepared -c "$CONNS" -j 2 -T "$DUR" -n -f "$WORK/replica-select.sql" "$READ_URL" \
  >"$WORK/pgbench-replica.out" 2>&1 || { cat "$WORK/pgbench-replica.out" >&2; fail "pgbench failed"; }
SELECT_RPS=$(awk '/^tps = / {print $3}' "$WORK/pgbench-replica.out")
serve "$WORK/ddcd-replica.log" DDC_DATABASE_READ_URL="$READ_URL"
REPLICA=$URL
serve "$WORK/ddcd-primary.log"
PRIMARY=$URL
read -r ON_REPLICA P99_REPLICA < <(wrk_rps replica "$REPLICA/")
SERVED=$(curl -fsS "$REPLICA/metrics" | awk '/^ddcd_db_public_reads_total\{on="replica"/ {s += $NF} END {print s + 0}')
FALLBACK=$(curl -fsS "$REPLICA/metrics" | awk '/^ddcd_db_public_reads_total\{on="primary"/ {print $NF}')
read -r ON_PRIMARY P99_PRIMARY < <(wrk_rps primary "$PRIMARY/")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "?" }'; }
printf '%-34s %8.0f tps    (the replica'"'"'s own limit, this run; same machine as the primary)\n' \
  "bare pk select on the replica" "$SELECT_RPS"
printf '%-34s %8.0f req/s  p99 %6s  %s x the primary alone, %s x pk select on the replica\n' \
  "ddcd verify, read replica, no cache" "$ON_REPLICA" "$P99_REPLICA" "$(ratio "$ON_REPLICA" "$ON_PRIMARY")" \
  "$(ratio "$ON_REPLICA" "$SELECT_RPS")"
printf '%-34s %8.0f req/s  p99 %6s  (%s reads from the replica, %s fell back to the primary)\n' \
  "  the same on the primary alone" "$ON_PRIMARY" "$P99_PRIMARY" "$SERVED" "$FALLBACK"
