#!/usr/bin/env bash
# run.sh: `make bench`. Measures ddcd against the machine's own limits and prints one table:
# a bare libmicrohttpd reply (build/bench/bare_mhd, the HTTP limit), ddcd GET /healthz, a bare
# PostgreSQL primary-key select (pgbench, the DB limit), ddcd GET /v1/accounts/{id}, a bare
# single-row insert (pgbench), the mint write limit (pgbench replaying exactly the writes of one
# mint: event, log queue, certificate row, balance debit, journal line, on the same tables) and
# single-certificate mints (POST /v1/certificates) spread over 8 issuers and from one issuer alone,
# the time from a mint's 201 to its verdict "valid" at the default anchor interval; then the
# database is filled up to FILL certificates by SQL (filler rows shaped like the minted ones) and a
# BATCH_ROWS diploma batch (upload to completed and to anchored, rows/s, beside a bare COPY of the
# same rows), the sequencer's integration rate is timed on the filler, proof times at 1M and 10M
# leaves (build/bench/proof_bench, its own database); then GET /v1/verify/{code} on the batch's
# real certificates: the verdicts the builder keeps ahead of any verification, requests
# spread over all of them with no cache in memory, the same against 3 ddcd processes, a hot set of
# 1000 codes with the verdict cache on, and the bundles (/bundle) likewise, with the bundles the
# builder kept and their size; ddcd's peak RSS; last,
# chain anchoring on anvil beside one transaction per certificate (tests/bench/chain.mjs), the
# anchoring lag per chain with three chains at once (tests/bench/chains.mjs), the status-list
# publication time for an issuer of 1,000,000 certificates (tests/bench/status.mjs), and exports
# per second between two ddcds beside mints per second on the same ones (tests/bench/exports.mjs).
# Owns everything it starts: a throwaway PostgreSQL cluster, the ddcds, one bare_mhd, all under a
# mktemp directory; all stopped and removed on exit, failure included.
# Loopback only; about ten minutes on 2 cores. Needs build/ddcd, build/bench/bare_mhd and
# build/bench/proof_bench (the Makefile builds them) and node.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PGBIN=/usr/lib/postgresql/15/bin
DUR=5          # seconds per measurement
CONNS=32       # concurrent connections, for wrk and pgbench alike
ACCOUNTS=1000  # accounts created through the API for GET /v1/accounts/{id}
FILL=1000000   # certificates in the database for the sequencer and GET /v1/verify/{code}
PROOF_SIZES="1000000 10000000" # log sizes for the proof times
NPROC=$(nproc)
THREADS=${DDC_THREADS:-$((4 * NPROC))} # ddcd's default, passed explicitly to ddcd and bare_mhd
CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
START=$SECONDS

for bin in build/ddcd build/bench/bare_mhd build/bench/proof_bench; do
  [ -x "$bin" ] || { echo "bench: $bin is missing; run \`make bench\`" >&2; exit 1; }
done
for tool in wrk curl "$PGBIN/pgbench" psql node; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run scripts/deps.sh" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/ddcd-bench.XXXXXX)
PIDS=()

# stop PID: SIGTERM, up to 10 s for it to finish, then SIGKILL.
stop() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do stop "$p"; done
  "$ROOT/scripts/pg.sh" stop "$WORK/pg" || true
  [ -L "$WORK/pg" ] && rm -rf "$(readlink -f "$WORK/pg")" # pg.sh's /var/tmp fallback
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

fail() {
  echo "bench: $*" >&2
  exit 1
}

# wait_port PID LOG REGEX WHAT: waits up to 30 s for the port a server prints into LOG.
wait_port() {
  local port=""
  for _ in $(seq 300); do
    port=$(grep -oE "$3" "$2" | grep -oE '[0-9]+$' | head -n 1 || true)
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$2" >&2
  fail "$4 did not start"
}

# to_ms VALUE: a wrk latency (612.00us, 1.09ms, 2.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0;
    else if (v ~ /m$/) printf "%.2f", v * 60000; else if (v ~ /s$/) printf "%.2f", v * 1000;
    else printf "?" }'
}

# Results, by row key: requests per second, p50 and p99 in ms, a note on errors.
declare -A RPS P50 P99 NOTE

# wrk_run KEY URL [LUA]: one bounded wrk run; fills RPS/P50/P99/NOTE for KEY.
wrk_run() {
  local key=$1 url=$2 out="$WORK/wrk-$1.out" args=(-t2 -c"$CONNS" -d"${DUR}s" --latency)
  [ $# -ge 3 ] && args+=(-s "$3")
  wrk "${args[@]}" "$url" >"$out" 2>&1 || { cat "$out" >&2; fail "wrk failed for $key"; }
  RPS[$key]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  P50[$key]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  local bad sock
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  sock=$(awk -F'[ ,]+' '/Socket errors:/ {print $4 + $6 + $8 + $10}' "$out")
  NOTE[$key]=""
  [ -n "$bad" ] && NOTE[$key]+="  [$bad non-2xx]"
  [ -n "$sock" ] && [ "$sock" != 0 ] && NOTE[$key]+="  [$sock socket errors]"
  [ -n "${RPS[$key]}" ] || { cat "$out" >&2; fail "no wrk result for $key"; }
}

# pgbench_run KEY SCRIPT: one bounded pgbench run; fills RPS/P50/P99/NOTE for KEY (the
# percentiles come from pgbench's per-transaction log, column 3 in microseconds).
pgbench_run() {
  local key=$1 out="$WORK/pgbench-$1.out"
  "$PGBIN/pgbench" -M prepared -c "$CONNS" -j 2 -T "$DUR" -n -f "$2" \
    --log --log-prefix="$WORK/pgblog-$key" "$DB_URL" >"$out" 2>&1 ||
    { cat "$out" >&2; fail "pgbench failed for $key"; }
  RPS[$key]=$(awk '/^tps = / {print $3}' "$out")
  read -r "P50[$key]" "P99[$key]" < <(cat "$WORK/pgblog-$key".* | awk '{print $3}' | sort -n |
    awk '{a[NR] = $1} END {
      i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999);
      if (NR) printf "%.2f %.2f\n", a[i50] / 1000, a[i99] / 1000; else print "? ?" }')
  rm -f "$WORK/pgblog-$key".*
  local failed
  failed=$(awk '/^number of failed transactions:/ {print $5}' "$out")
  NOTE[$key]=""
  [ -n "$failed" ] && [ "$failed" != 0 ] && NOTE[$key]="  [$failed failed transactions]"
  [ -n "${RPS[$key]}" ] || { cat "$out" >&2; fail "no pgbench result for $key"; }
}

# --- PostgreSQL, schema, operator key
scripts/pg.sh start "$WORK/pg" --fast >"$WORK/pg.out" 2>&1 ||
  { cat "$WORK/pg.out" >&2; fail "PostgreSQL did not start"; }
DB_URL=$(scripts/pg.sh url "$WORK/pg")
export DDC_DATABASE_URL=$DB_URL DDC_DATA_DIR=$WORK/data DDC_THREADS=$THREADS
unset DDC_LOG_LEVEL DDC_LISTEN DDC_MASTER_KEY_FILE DDC_ANCHOR_INTERVAL_MS # defaults: the access log is part of the real cost
export DDC_PUBLIC_RATE=0 # public lookups unlimited: every load here comes from one address
build/ddcd migrate >"$WORK/migrate.out" 2>&1 || { cat "$WORK/migrate.out" >&2; fail "migrate failed"; }
build/ddcd init >"$WORK/init.out" 2>&1 || { cat "$WORK/init.out" >&2; fail "init failed"; }
KEY=$(tr -d '\n' <"$DDC_DATA_DIR/operator.key")

# --- the two HTTP servers, each on a port the kernel picks (port 0), read back from its log
build/ddcd serve --listen 127.0.0.1:0 2>"$WORK/ddcd.log" &
PIDS+=($!)
DDCD_PORT=$(wait_port "$!" "$WORK/ddcd.log" 'listening on http://127\.0\.0\.1:[0-9]+' ddcd)
build/bench/bare_mhd 0 "$THREADS" 2>"$WORK/bare.log" &
PIDS+=($!)
BARE_PORT=$(wait_port "$!" "$WORK/bare.log" 'listening on [0-9]+' bare_mhd)
DDCD=http://127.0.0.1:$DDCD_PORT
BARE=http://127.0.0.1:$BARE_PORT
curl -fsS "$DDCD/healthz" >/dev/null || fail "ddcd does not answer /healthz"
curl -fsS "$BARE/" >/dev/null || fail "bare_mhd does not answer"

# --- accounts to read, created through the API (one curl, 16 requests in flight)
for i in $(seq "$ACCOUNTS"); do
  [ "$i" -gt 1 ] && echo next
  printf 'url = "%s/v1/accounts"\nheader = "Authorization: Bearer %s"\n' "$DDCD" "$KEY"
  printf 'header = "Content-Type: application/json"\n'
  printf 'data = "{\\"role\\":\\"issuer\\",\\"name\\":\\"bench %d\\"}"\n' "$i"
done >"$WORK/create.curl"
curl -sS --no-progress-meter --parallel --parallel-max 16 -K "$WORK/create.curl" \
  >"$WORK/create.out" 2>&1 || true
grep -oE '"id":[0-9]+' "$WORK/create.out" | cut -d: -f2 | sort -n >"$WORK/ids" || true
[ "$(wc -l <"$WORK/ids")" -eq "$ACCOUNTS" ] ||
  { head -c 600 "$WORK/create.out" >&2; echo >&2; fail "could not create $ACCOUNTS accounts"; }
ID_MIN=$(head -n 1 "$WORK/ids")
ID_MAX=$(tail -n 1 "$WORK/ids")

# --- minting issuers: the first 8 accounts, each with an API key and money for every mint
MINTERS=$(head -n 8 "$WORK/ids")
: >"$WORK/minter.keys"
for id in $MINTERS; do
  curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"amount_minor\":9000000000000,\"currency\":\"CNY\",\"reference\":\"bench-$id\"}" \
    "$DDCD/v1/accounts/$id/recharges" >/dev/null || fail "could not recharge issuer $id"
  curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"name":"bench"}' "$DDCD/v1/accounts/$id/api-keys" |
    grep -oE '"key":"[^"]+"' | cut -d'"' -f4 >>"$WORK/minter.keys" || fail "no key for issuer $id"
done
[ "$(wc -l <"$WORK/minter.keys")" -eq 8 ] || fail "could not create the minting keys"

# mint_lua FILE N: a wrk script minting generic certificates with the first N issuer keys in turn.
mint_lua() {
  {
    echo "-- POST /v1/certificates, issuers taken in turn (keys 1..$2)"
    echo "local keys = {$(head -n "$2" "$WORK/minter.keys" | sed 's/.*/"&"/' | paste -sd,)}"
    echo 'local n = 0'
    echo 'local body = "{\"kind\":\"generic\",\"metadata\":{\"title\":\"bench certificate\"}}"'
    echo 'function request()'
    echo '  n = n + 1'
    echo '  local h = {["Authorization"] = "Bearer " .. keys[n % #keys + 1],'
    echo '             ["Content-Type"] = "application/json"}'
    echo '  return wrk.format("POST", "/v1/certificates", h, body)'
    echo 'end'
  } >"$1"
}
mint_lua "$WORK/mint8.lua" 8
mint_lua "$WORK/mint1.lua" 1

# mintlimit.sql: the write limit of a mint, PostgreSQL doing exactly the writes of one ddc_mint on
# the same tables and indexes with nothing around it: the mint event and its log queue entry, the
# certificate row (a minted document, ON CONFLICT on external_ref as in ddc_mint), the balance
# debit and its journal line; issuers taken at random among the 8, each with its newest key. One
# statement (data-modifying CTEs), one round trip, as ddc_mint is one call: sent one by one, the
# balance row stays locked over two more round trips and 32 clients on 8 rows queue behind them.
mint_sql() {
  local list ids keys price doc
  list=$(echo $MINTERS | tr ' ' ,)
  ids=$(psql "$DB_URL" -qXAt -c "SELECT string_agg(format('WHEN :i = %s THEN %s', n - 1, id), ' ')
    FROM unnest('{$list}'::bigint[]) WITH ORDINALITY AS t(id, n)")
  keys=$(psql "$DB_URL" -qXAt -c "SELECT string_agg(format('WHEN :i = %s THEN %s', n - 1,
    (SELECT max(k.id) FROM issuer_keys k WHERE k.issuer_id = t.id)), ' ')
    FROM unnest('{$list}'::bigint[]) WITH ORDINALITY AS t(id, n)")
  price=$(psql "$DB_URL" -qXAt -c "SELECT amount_minor FROM prices WHERE operation = 'mint'
    AND issuer_id IS NULL")
  # pgbench would take a colon before a name in a literal for a variable: the document's are @@
  doc=$(psql "$DB_URL" -qXAt -c "SELECT document FROM certificates ORDER BY ddc_id DESC LIMIT 1" |
    sed "s/'/''/g; s/:/@@/g")
  [ -n "$keys" ] && [ -n "$price" ] && [ -n "$doc" ] || fail "no keys, price or document for mintlimit"
  cat <<EOF
\set i random(0, 7)
\set issuer CASE $ids END
\set key CASE $keys END
WITH n AS (SELECT nextval('ddc_id_seq') AS ddc, translate(substr(md5(random()::text) || md5(random()::text), 1, 26), '0189', 'wxyz') AS code),
ev AS (INSERT INTO events (ddc_id, account_id, type, actor_id, created_at, canonical, event_hash, prev_event_hash) SELECT n.ddc, NULL, 'mint', :issuer::bigint, now(), '{"account":' || 'null,"actor":' || :issuer::bigint || ',"data":{"certHash":"' || md5(n.code) || md5(n.code || '.') || '","issuer":' || :issuer::bigint || ',"keyId":' || :key::bigint || ',"kind":"generic","owner":' || :issuer::bigint || '},"ddcId":' || n.ddc || ',"prev":' || 'null,"time":"' || ddc_ts(now()) || '","type":"mint","v":"ddc.event/v1"}', sha256(convert_to(n.code, 'UTF8')), NULL FROM n RETURNING id),
lp AS (INSERT INTO log_pending (event_id) SELECT id FROM ev),
c AS (INSERT INTO certificates (ddc_id, code, issuer_id, owner_id, kind, document, cert_hash, signature, key_id, content_hash, uri, external_ref, valid_from, valid_until, issued_at, last_event_hash) SELECT n.ddc, n.code, :issuer::bigint, :issuer::bigint, 'generic', replace('$doc', '@@', ':'), sha256(convert_to(n.code || 'd', 'UTF8')), sha512(convert_to(n.code, 'UTF8')), :key::bigint, NULL, NULL, NULL, NULL, NULL, now(), sha256(convert_to(n.code, 'UTF8')) FROM n ON CONFLICT (issuer_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING),
b AS (UPDATE balances SET amount_minor = amount_minor - $price, updated_at = now() WHERE account_id = :issuer::bigint AND currency = 'CNY' AND amount_minor >= $price RETURNING amount_minor)
INSERT INTO journal (account_id, currency, delta, balance_after, reason, reference, ddc_id, counterparty_id) SELECT :issuer::bigint, 'CNY', -$price, b.amount_minor, 'mint', NULL, n.ddc, NULL FROM b, n;
EOF
}

# --- load scripts, written here so the key never leaves $WORK
{
  echo '-- GET /v1/accounts/{id} with the operator key, ids picked at random per request'
  echo "local ids = {$(paste -sd, "$WORK/ids")}"
  echo "local headers = {[\"Authorization\"] = \"Bearer $KEY\"}"
  echo 'local n = 0'
  echo 'function setup(thread) n = n + 1; thread:set("seed", n) end'
  echo 'function init(args) math.randomseed(1000 * (tonumber(seed) or 1) + os.time()) end'
  echo 'function request()'
  echo '  return wrk.format("GET", "/v1/accounts/" .. ids[math.random(#ids)], headers)'
  echo 'end'
} >"$WORK/accounts.lua"
cat >"$WORK/select.sql" <<EOF
\\set id random($ID_MIN, $ID_MAX)
SELECT id, role, name, issuer_id, status, created_at, updated_at FROM accounts WHERE id = :id;
EOF
cat >"$WORK/insert.sql" <<'EOF'
INSERT INTO bench_insert (name) VALUES ('bench');
EOF

# --- measurements; each HTTP target gets a 1 s warm-up (threads, PG connections, auth cache)
warm() { wrk -t2 -c"$CONNS" -d1s "$@" >/dev/null 2>&1 || true; }
warm "$BARE/"
wrk_run bare "$BARE/"
warm "$DDCD/healthz"
wrk_run healthz "$DDCD/healthz"
pgbench_run select "$WORK/select.sql"
warm -s "$WORK/accounts.lua" "$DDCD/"
wrk_run account "$DDCD/" "$WORK/accounts.lua"
psql "$DB_URL" -qX -v ON_ERROR_STOP=1 -c 'CREATE TABLE bench_insert (id bigint GENERATED ALWAYS
  AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())'
pgbench_run insert "$WORK/insert.sql"
psql "$DB_URL" -qX -c 'DROP TABLE bench_insert' || true
warm -s "$WORK/mint8.lua" "$DDCD/"
wrk_run mint8 "$DDCD/" "$WORK/mint8.lua"
mint_sql >"$WORK/mintlimit.sql"
pgbench_run mintlimit "$WORK/mintlimit.sql"
wrk_run mint1 "$DDCD/" "$WORK/mint1.lua"
MINTED=$(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM certificates')

# --- mint to valid: 1000 mints, 25 in flight, each verdict polled every 20 ms
node tests/bench/mint_to_valid.mjs "$DDCD" "$WORK/minter.keys" 1000 25 20 >"$WORK/m2v.out" 2>&1 ||
  { cat "$WORK/m2v.out" >&2; fail "mint to valid failed"; }
read -r _ M2V_P50 _ M2V_P99 _ M2V_MAX _ M2V_N <"$WORK/m2v.out"

# --- fill up to FILL certificates: copies of the minted ones (new id and code, the document's
# hash, a mint event in the real shape), queued for the log in one transaction
until [ "$(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM log_pending')" = 0 ]; do sleep 0.2; done
FILL_START=$SECONDS
BATCH_ROWS=${DDC_BENCH_BATCH_ROWS:-100000} # the batch below makes the FILL certificates whole
LEAVES=$((FILL - BATCH_ROWS - $(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM certificates')))
# the filler's copied signatures do not verify, so no verdict of it is ever kept: the verdict
# builder's row (025_verdict_builder) is held here while the filler is logged, and then moved past
# its leaves, so that the builder never works on it (the real certificates are all built)
coproc HOLD { psql "$DB_URL" -qXAt -v ON_ERROR_STOP=1 2>&1; }
HOLD_P=$HOLD_PID
echo "BEGIN; SELECT built_size FROM verdict_builder FOR UPDATE;" >&"${HOLD[1]}"
read -r -t 60 _ <&"${HOLD[0]}" || fail "could not hold the verdict builder's row"
psql "$DB_URL" -qX -v ON_ERROR_STOP=1 -v fill="$((FILL - BATCH_ROWS))" -f tests/bench/fill.sql >"$WORK/fill.out" 2>&1 ||
  { cat "$WORK/fill.out" >&2; fail "fill failed"; }
# --- the sequencer: the filler's LEAVES events, timed from their commit until the log has
# integrated them all
SEQ_START=$(date +%s.%N)
FILL_SECS=$((SECONDS - FILL_START))
until [ "$(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM log_pending')" = 0 ]; do sleep 0.05; done
SEQ_SECS=$(awk -v a="$SEQ_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "UPDATE verdict_builder SET built_size = (SELECT max(size) FROM log_checkpoints); COMMIT; \\q" >&"${HOLD[1]}"
wait "$HOLD_P" || fail "could not move the verdict builder past the filler"
CERTS=$(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM certificates')

# --- proof times at growing log sizes, in a database of their own
psql "$DB_URL" -qX -c 'CREATE DATABASE proofbench' >/dev/null
PROOF_URL="$DB_URL dbname=proofbench"
DDC_DATABASE_URL=$PROOF_URL build/ddcd migrate >"$WORK/migrate2.out" 2>&1 ||
  { cat "$WORK/migrate2.out" >&2; fail "migrate (proof bench) failed"; }
# shellcheck disable=SC2086
build/bench/proof_bench "$PROOF_URL" 1000 $PROOF_SIZES >"$WORK/proof.out" 2>&1 ||
  { cat "$WORK/proof.out" >&2; fail "proof_bench failed"; }


# --- a batch import: BATCH_ROWS diplomas in one CSV, from upload to completed and to anchored,
# beside a bare COPY of the same file into a similar table
BISSUER=$(head -n 9 "$WORK/ids" | tail -n 1)
curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "{\"amount_minor\":9000000000000,\"currency\":\"CNY\",\"reference\":\"bench-batch\"}" \
  "$DDCD/v1/accounts/$BISSUER/recharges" >/dev/null || fail "could not recharge issuer $BISSUER"
BKEY=$(curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name":"bench batch"}' "$DDCD/v1/accounts/$BISSUER/api-keys" | grep -oE '"key":"[^"]+"' |
  cut -d'"' -f4) || fail "no key for issuer $BISSUER"
awk -v n="$BATCH_ROWS" 'BEGIN {
  print "student_name,student_id,degree,major,institution,conferred_on,external_ref"
  for (i = 1; i <= n; i++)
    printf "\"Student %d, Jr.\",S%07d,Bachelor of Science,Computer Science,Example University,2026-06-30,BENCH-%07d\n", i, i, i
}' >"$WORK/batch.csv"
until [ "$(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM log_pending')" = 0 ]; do sleep 0.2; done
DDCD_PID=${PIDS[0]}
node tests/bench/batch.mjs "$DDCD" "$BKEY" "$WORK/batch.csv" 20 >"$WORK/batch.out" 2>&1 ||
  { cat "$WORK/batch.out" >&2; fail "the batch import failed"; }
read -r _ B_UPLOADED _ B_DONE _ B_ANCHORED _ B_MINTED <"$WORK/batch.out"
[ "$B_MINTED" = "$BATCH_ROWS" ] || fail "the batch minted $B_MINTED of $BATCH_ROWS rows"
# the verdict builder keeps the batch's verdicts as their checkpoints come (it began during the
# anchoring): how long after "anchored" the last one is kept (5 minutes at most)
KEPT_START=$(date +%s.%N)
kept() { psql "$DB_URL" -qXAt -c "SELECT count(*) FROM verdicts v JOIN certificates c USING (ddc_id)
  WHERE c.issuer_id = $BISSUER AND v.event_hash = c.last_event_hash"; }
for _ in $(seq 300); do [ "$(kept)" -ge "$BATCH_ROWS" ] && break; sleep 1; done
KEPT_SECS=$(awk -v a="$KEPT_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
KEPT=$(kept)
# the bundles the builder kept with those verdicts (031_kept_bundles): how many, and their size
# stored (lz4-compressed body) against their JSON text
read -r KB_N KB_STORED KB_TEXT KB_TOTAL <<<"$(psql "$DB_URL" -qXAt -F' ' -c "SELECT count(*),
  coalesce(round(avg(pg_column_size(k.body))), 0), coalesce(round(avg(octet_length(k.body))), 0),
  pg_total_relation_size('kept_bundles') / 1048576 FROM kept_bundles k JOIN certificates c USING (ddc_id)
  WHERE c.issuer_id = $BISSUER AND k.event_hash = c.last_event_hash")"
psql "$DB_URL" -qX -v ON_ERROR_STOP=1 -c 'CREATE TABLE bench_copy (student_name text, student_id text,
  degree text, major text, institution text, conferred_on date, external_ref text UNIQUE)'
C_START=$(date +%s.%N)
psql "$DB_URL" -qX -v ON_ERROR_STOP=1 -c "\\copy bench_copy FROM '$WORK/batch.csv' WITH (FORMAT csv, HEADER)"
C_SECS=$(awk -v a="$C_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
psql "$DB_URL" -qX -c 'DROP TABLE bench_copy' || true
# the builder's burst (BATCH_ROWS verdicts and bundles, some 600 MiB) is vacuumed and checkpointed
# before the reads, as autovacuum and the checkpointer would soon after any burst: the reads below
# measure the steady state, not the first readers setting hint bits on freshly written rows
psql "$DB_URL" -qX -v ON_ERROR_STOP=1 -c 'VACUUM (ANALYZE) kept_bundles, verdicts' -c 'CHECKPOINT' ||
  fail "could not vacuum the kept verdicts and bundles"
# --- GET /v1/verify/{code} at FILL certificates, on the batch's BATCH_ROWS diplomas (real, signed
# and anchored): the codes in a file each wrk thread reads; requests spread over all of them, or
# drawn from a hot set of 1000 (a certificate that went viral)
psql "$DB_URL" -qXAt -c "SELECT code FROM certificates WHERE issuer_id = $BISSUER ORDER BY random()" \
  >"$WORK/codes"
head -n 1000 "$WORK/codes" >"$WORK/hot"
while read -r code; do
  curl -fsS "$DDCD/v1/verify/$code" | grep -q '"result":"valid"' || fail "certificate $code is not valid"
done < <(head -n 20 "$WORK/codes")
# codes_lua FILE CODES SUFFIX: GET /v1/verify/{code}SUFFIX, codes from CODES at random per request
codes_lua() {
  {
    echo "-- GET /v1/verify/{code}$3, codes from $2 picked at random per request"
    echo 'local codes = {}'
    echo 'local n = 0'
    echo 'function setup(thread) n = n + 1; thread:set("seed", n) end'
    echo 'function init(args)'
    echo "  for line in io.lines(\"$2\") do codes[#codes + 1] = line end"
    echo '  math.randomseed(1000 * (tonumber(seed) or 1) + os.time())'
    echo 'end'
    echo "function request() return wrk.format(\"GET\", \"/v1/verify/\" .. codes[math.random(#codes)] .. \"$3\") end"
  } >"$1"
}
codes_lua "$WORK/verify.lua" "$WORK/codes" ""
codes_lua "$WORK/hot.lua" "$WORK/hot" ""
codes_lua "$WORK/bundle.lua" "$WORK/codes" "/bundle"
codes_lua "$WORK/bundle_hot.lua" "$WORK/hot" "/bundle"
# ddcd processes with the verdict cache off: every request reads the kept verdict (or makes it)
cold_ddcd() { # N: starts one, its URL in COLD_URL
  DDC_VERIFY_CACHE_MS=0 build/ddcd serve --listen 127.0.0.1:0 2>"$WORK/ddcd-cold$1.log" &
  PIDS+=($!)
  COLD_URL="http://127.0.0.1:$(wait_port "$!" "$WORK/ddcd-cold$1.log" 'listening on http://127\.0\.0\.1:[0-9]+' ddcd)"
}
cold_ddcd 1
COLD=$COLD_URL
COLD_PID=${PIDS[-1]}
warm -s "$WORK/verify.lua" "$COLD/"
wrk_run verify_cold "$COLD/" "$WORK/verify.lua"
warm -s "$WORK/hot.lua" "$DDCD/"
wrk_run verify "$DDCD/" "$WORK/hot.lua"
wrk_run bundle "$DDCD/" "$WORK/bundle.lua"
warm -s "$WORK/bundle_hot.lua" "$DDCD/"
wrk_run bundle_hot "$DDCD/" "$WORK/bundle_hot.lua"
# the same uncached run against 3 ddcd processes on the database, a wrk on each, in parallel
cold_ddcd 2
COLD2=$COLD_URL
cold_ddcd 3
COLD3=$COLD_URL
for u in "$COLD" "$COLD2" "$COLD3"; do warm -s "$WORK/verify.lua" "$u/"; done
three=()
for i in 1 2 3; do
  u=$COLD; [ $i = 2 ] && u=$COLD2; [ $i = 3 ] && u=$COLD3
  wrk -t1 -c$((CONNS / 3 + 1)) -d"${DUR}s" --latency -s "$WORK/verify.lua" "$u/" >"$WORK/wrk-three$i.out" 2>&1 &
  three+=($!)
done
wait "${three[@]}" || fail "wrk failed for the three ddcds"
RPS[verify3]=$(cat "$WORK"/wrk-three[123].out | awk '/^Requests\/sec:/ {s += $2} END {print s}')
P50[verify3]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk-three1.out")")
P99[verify3]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk-three1.out")")
NOTE[verify3]=$(cat "$WORK"/wrk-three[123].out | awk '/Non-2xx/ {s += $NF} END {if (s) print "  [" s " non-2xx]"}')
COLD_RSS=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$COLD_PID/status")
B_RSS=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$DDCD_PID/status")

# The account reads must all have been 200s for the row to mean anything.
[ -z "${NOTE[account]}" ] || echo "bench: GET /v1/accounts/{id} had errors:${NOTE[account]}" >&2

# --- the table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "?" }'; }
row() { # LABEL KEY [TAIL]
  printf '%-34s %8.0f req/s  p50 %6s ms  p99 %6s ms%s%s\n' "$1" "${RPS[$2]}" "${P50[$2]}" \
    "${P99[$2]}" "${3:+   $3}" "${NOTE[$2]}"
}
echo
echo "machine: $NPROC CPUs, ${CPU:-unknown CPU}"
echo "threads: $THREADS HTTP threads in ddcd and bare_mhd; load: wrk -t2 -c$CONNS -d${DUR}s," \
  "pgbench -M prepared -c $CONNS -j 2 -T $DUR (PostgreSQL 15, fsync off), loopback"
echo
row "bare libmicrohttpd reply" bare "the HTTP limit"
row "ddcd GET /healthz" healthz "$(ratio "${RPS[healthz]}" "${RPS[bare]}") x bare MHD (aim >= 0.8)"
row "bare PostgreSQL pk select" select "the DB limit ($ACCOUNTS rows)"
row "ddcd GET /v1/accounts/{id}" account "$(ratio "${RPS[account]}" "${RPS[bare]}") x bare MHD (aim >= 0.4), $(ratio "${RPS[account]}" "${RPS[select]}") x pk select"
row "bare PostgreSQL 1-row insert" insert "tps, the write limit"
row "mint write limit (pgbench)" mintlimit "tps: one mint's writes on the same tables, 8 issuers"
row "ddcd mint, 8 issuers" mint8 "$(ratio "${RPS[mint8]}" "${RPS[mintlimit]}") x mint write limit (aim >= 0.7), $(ratio "${RPS[mint8]}" "${RPS[insert]}") x bare insert"
row "ddcd mint, 1 issuer" mint1 "$(ratio "${RPS[mint1]}" "${RPS[insert]}") x bare insert (aim >= 0.2)"
echo "($MINTED certificates minted in all; the mint rows must show no non-2xx)"
printf '%-34s p50 %6s ms  p99 %6s ms  max %6s ms  (%s mints, 25 in flight, polled every 20 ms,\n%-34s anchor interval 500 ms; aim p99 <= 1000 ms)\n' \
  "mint 201 to verify \"valid\"" "$M2V_P50" "$M2V_P99" "$M2V_MAX" "$M2V_N" ""
printf '%-34s %8.0f leaves/s  (%d leaves in %s s, batches of 10000, aim >= 50000;\n%-34s %d certificates in the database, %d of them SQL filler written in %d s)\n' \
  "sequencer, leaves integrated" "$(awk -v n="$LEAVES" -v t="$SEQ_SECS" 'BEGIN { print n / t }')" \
  "$LEAVES" "$SEQ_SECS" "" "$CERTS" "$LEAVES" "$FILL_SECS"
while read -r _ size _ append _ _ p50 _ p99 _ hashes _ tiles _ cons; do
  printf '%-34s p50 %6s us  p99 %6s us  (%d hashes, %d tile reads; consistency from the\n%-34s previous size %s us; %s leaves appended in %s s through the tiles code)\n' \
    "inclusion proof at $size leaves" "$p50" "$p99" "$hashes" "$tiles" "" "$cons" "$size" "$append"
done <"$WORK/proof.out"
printf '%-34s %8.0f rows/s  (%d rows: upload+check %s s, completed %s s, anchored %s s; aim <= 5 s to anchored)\n' \
  "batch import, diplomas" "$(awk -v n="$BATCH_ROWS" -v t="$B_ANCHORED" 'BEGIN { print n / t }')" \
  "$BATCH_ROWS" "$B_UPLOADED" "$B_DONE" "$B_ANCHORED"
printf '%-34s %8.0f rows/s  (%s s; the same file into a similar table)\n' "bare COPY of the same rows" \
  "$(awk -v n="$BATCH_ROWS" -v t="$C_SECS" 'BEGIN { print n / t }')" "$C_SECS"
CERTS=$(psql "$DB_URL" -qXAt -c 'SELECT count(*) FROM certificates')
printf '%-34s %8.0f verdicts/s  (%d of %d kept before any verification; the last %s s after the\n%-34s batch was anchored, %s s after its upload began: made with each checkpoint)\n' \
  "verdicts kept by the builder" "$(awk -v n="$KEPT" -v t="$B_ANCHORED" -v k="$KEPT_SECS" \
  'BEGIN { print n / (t + k) }')" "$KEPT" "$BATCH_ROWS" "$KEPT_SECS" "" \
  "$(awk -v t="$B_ANCHORED" -v k="$KEPT_SECS" 'BEGIN { printf "%.1f", t + k }')"
printf '%-34s %8d bundles    (of %d; %d bytes each stored, of %d bytes of JSON; the table %d MiB)\n' \
  "bundles kept by the builder" "$KB_N" "$BATCH_ROWS" "$KB_STORED" "$KB_TEXT" "$KB_TOTAL"
row "ddcd GET /v1/verify/{code}" verify_cold "$(ratio "${RPS[verify_cold]}" "${RPS[account]}") x accounts GET (aim >= 0.5), no cache in memory, $(wc -l <"$WORK/codes") codes of $CERTS certificates"
row "  the same, 3 ddcd processes" verify3 "$(ratio "${RPS[verify3]}" "${RPS[account]}") x accounts GET (3 wrk, p50/p99 of one)"
row "  hot set of 1000, cached" verify "$(ratio "${RPS[verify]}" "${RPS[bare]}") x bare MHD (aim >= 0.5), verdicts cached <= 1 s"
row "ddcd GET /v1/verify/{code}/bundle" bundle "$(ratio "${RPS[bundle]}" "${RPS[account]}") x accounts GET (aim >= 0.5), $(wc -l <"$WORK/codes") codes"
row "  hot set of 1000" bundle_hot "$(ratio "${RPS[bundle_hot]}" "${RPS[bare]}") x bare MHD (aim >= 0.5), settled bundles cached until an event"
echo "ddcd peak RSS: $B_RSS MiB over the whole run, $COLD_RSS MiB for an uncached one (aim <= 256 MiB)"
# --- chain anchoring on anvil (tests/bench/chain.mjs), against the same database
if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules ]; then
  (cd tests && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) || fail "npm ci failed"
fi
mkdir -p "$WORK/logs"
DDC_BIN=$ROOT/build/ddcd DDC_TEST_LOGS=$WORK/logs DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key \
  node tests/bench/chain.mjs || fail "the chain rows failed (logs: $WORK/logs)"
DDC_BIN=$ROOT/build/ddcd DDC_TEST_LOGS=$WORK/logs DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key \
  node tests/bench/chains.mjs || fail "the multi-chain rows failed (logs: $WORK/logs)"
node tests/bench/vc.mjs "$DDCD" "$BKEY" || fail "the credential rows failed (logs: $WORK/logs)"
DDC_BIN=$ROOT/build/ddcd DDC_TEST_LOGS=$WORK/logs DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key node tests/bench/editions.mjs || fail "the edition rows failed (logs: $WORK/logs)"
DDC_BIN=$ROOT/build/ddcd DDC_TEST_LOGS=$WORK/logs node tests/bench/exports.mjs || fail "the export rows failed (logs: $WORK/logs)"
DDC_BIN=$ROOT/build/ddcd DDC_TEST_LOGS=$WORK/logs DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key node tests/bench/batchops.mjs || fail "the batch operation rows failed (logs: $WORK/logs)"
tests/bench/replica.sh "$WORK" "$WORK/verify.lua" "$THREADS" "$CONNS" "$DUR" || fail "the replica rows failed"
DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key node tests/bench/status.mjs "$DDCD" || fail "the status-list rows failed"
DDC_BIN=$ROOT/build/ddcd DDC_TEST_LOGS=$WORK/logs DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key \
  node tests/bench/search_webhooks.mjs || fail "the search and webhook rows failed (logs: $WORK/logs)"
echo
echo "($((SECONDS - START)) s)"
