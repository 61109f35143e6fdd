#!/usr/bin/env bash
# Runs every test suite against throwaway servers it starts and always stops: C unit tests (under
# ASan+UBSan), the libFuzzer targets for a few seconds each from their seed corpora, then the API
# suites against a private PostgreSQL and real ddcd processes (ASan build and optimised build), the
# browser suite (chromium, optimised build), then a scan of every ddcd log for sanitizer reports.
# Every suite runs under a time limit: one that overruns is reported with what was still running
# (processes, database sessions, ddcd thread stacks), stopped and counted as failed.
# Prints each suite's result and, last, the total as "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/ddcd-test.XXXXXX)
chmod 711 "$WORK" # the PostgreSQL server user must reach $WORK/pg
export DDC_TEST_LOGS=$WORK/logs
mkdir -p "$DDC_TEST_LOGS"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

bounded_pid=
cleanup() {
  [ -n "$bounded_pid" ] && kill -KILL -- -"$bounded_pid" 2>/dev/null
  pkill -TERM -f "$WORK/" 2>/dev/null
  "$ROOT/scripts/pg.sh" destroy "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
# hung_state: what a suite that overran left running, for the log.
hung_state() {
  echo "-- processes"
  ps -eo pid,etimes,stat,args | grep -E "[b]uild/(asan/)?ddcd|[n]ode --test|[a]nvil|[c]hromium" | cut -c1-160
  if [ -n "${DDC_DATABASE_URL:-}" ]; then
    echo "-- database sessions"
    psql "$DDC_DATABASE_URL" -XAtc "select pid, state, wait_event_type, wait_event,
      round(extract(epoch from now() - query_start)), left(query, 160)
      from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()" 2>&1
  fi
  if command -v gdb >/dev/null; then
    for p in $(pgrep -f "^$ROOT/build/(asan/)?ddcd "); do
      echo "-- threads of ddcd $p"
      timeout 60 gdb -p "$p" -batch -ex "thread apply all bt 12" 2>/dev/null | grep -E '^(Thread|#)'
    done
  fi
}
# bounded LIMIT OUT CMD...: runs CMD with its output streamed and kept in OUT; after LIMIT seconds
# shows what is still running, stops CMD and everything it started, and returns 124.
bounded() {
  local limit=$1 out=$2 start=$SECONDS pid
  shift 2
  setsid "$@" > >(tee "$out") 2>&1 &
  pid=$!
  bounded_pid=$pid
  while kill -0 "$pid" 2>/dev/null; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "!! still running after $limit s: $*"
      hung_state
      kill -TERM -- -"$pid" 2>/dev/null; sleep 5; kill -KILL -- -"$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 1
  done
  wait "$pid"
}
# count SUITE OUTPUT_FILE: adds the suite's "N passed, N failed" (last such line) to the totals.
count() {
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
  if [ -z "$line" ]; then
    echo "$1: no result line (crashed?)"; failed=$((failed + 1)); return
  fi
  p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
  passed=$((passed + p)); failed=$((failed + f))
  echo "$1: $line"
}

# node_suite NAME LIMIT BIN DIR|FILE...: runs the node test files in DIR (or those FILEs) against
# ddcd BIN within LIMIT seconds and counts them from the summary of the spec reporter (it writes
# to a pipe, which --test-force-exit does not cut short as it does a reporter's file); one more
# failure when the suite overran its limit or ended without a summary.
node_suite() {
  local p f rc
  DDC_BIN=$3 bounded "$2" "$WORK/$1.log" node --test --test-force-exit --test-timeout=300000 \
    --test-reporter=spec "${@:4}"
  rc=$?
  p=$(grep -E '^ℹ pass [0-9]+$' "$WORK/$1.log" 2>/dev/null | tail -n 1 | awk '{print $3}')
  f=$(grep -E '^ℹ fail [0-9]+$' "$WORK/$1.log" 2>/dev/null | tail -n 1 | awk '{print $3}')
  [ "$rc" -eq 124 ] || [ -z "$f" ] && f=$((${f:-0} + 1))
  echo "${p:-0} passed, $f failed" >"$WORK/$1.out"
}

echo "== unit tests (ASan+UBSan)"
for t in build/asan/tests/test_*; do
  name=$(basename "$t")
  timeout -k 5 300 "$t" >"$WORK/$name.out" 2>&1
  rc=$?
  [ $rc -eq 124 ] && echo "$name: still running after 300 s, stopped" | tee -a "$WORK/$name.out"
  grep -E '^(not ok|  FAIL)|runtime error|Sanitizer' "$WORK/$name.out"
  [ $rc -ne 0 ] && ! grep -q ' failed$' "$WORK/$name.out" && echo "0 passed, 1 failed" >>"$WORK/$name.out"
  count "unit/$name" "$WORK/$name.out"
done

# service/verify/ is what an outside verifier needs: its unit tests and fuzz targets are linked
# with it alone, and must not need libpq or libmicrohttpd.
echo "== verification links alone"
alone=1
for b in build/asan/tests/test_chainproof build/asan/tests/test_dataint build/asan/tests/test_gzip \
  build/asan/tests/test_imported build/asan/tests/test_merkle build/asan/tests/test_note \
  build/asan/tests/test_peersig build/asan/tests/test_vc build/fuzz/fuzz_bundle build/fuzz/fuzz_dataint \
  build/fuzz/fuzz_gzip build/fuzz/fuzz_merkle build/fuzz/fuzz_note build/fuzz/fuzz_peersig \
  build/fuzz/fuzz_witness; do
  if [ ! -x "$b" ] || ldd "$b" | grep -qE 'libpq|libmicrohttpd'; then echo "$b: needs the server's libraries"; alone=0; fi
done
[ $alone = 1 ] && echo "1 passed, 0 failed" >"$WORK/alone.out" || echo "0 passed, 1 failed" >"$WORK/alone.out"
count "verify/links-alone" "$WORK/alone.out"

secs=${DDC_FUZZ_SECONDS:-8}
echo "== fuzz targets (libFuzzer, ASan+UBSan, $secs s each; crashes kept in var/fuzz/)"
mkdir -p var/fuzz
for f in build/fuzz/fuzz_*; do
  name=$(basename "$f")
  corpus=$WORK/corpus-${name#fuzz_}
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"${name#fuzz_}"/* "$corpus"/ 2>/dev/null
  "$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$ROOT/var/fuzz/$name-" "$corpus" >"$WORK/$name.log" 2>&1
  if [ $? -eq 0 ]; then
    echo "1 passed, 0 failed" >"$WORK/$name.out"
  else
    grep -E 'ERROR|SUMMARY|Test unit written' "$WORK/$name.log" | head -5
    echo "0 passed, 1 failed" >"$WORK/$name.out"
  fi
  count "fuzz/$name ($(grep -oE 'Done [0-9]+ runs' "$WORK/$name.log" | cut -d' ' -f2) runs)" "$WORK/$name.out"
done

echo "== PostgreSQL (throwaway cluster)"
scripts/pg.sh start "$WORK/pg" --fast || { echo "0 passed, 1 failed"; exit 1; }
export DDC_DATABASE_URL
DDC_DATABASE_URL=$(scripts/pg.sh url "$WORK/pg")
export DDC_DATA_DIR=$WORK/data
build/ddcd migrate >/dev/null && build/ddcd init >"$WORK/init.out" ||
  { cat "$WORK/init.out"; echo "0 passed, 1 failed"; exit 1; }
export DDC_OPERATOR_KEY_FILE=$DDC_DATA_DIR/operator.key

echo "== node modules"
if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules ]; then
  (cd tests && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) || { echo "0 passed, 1 failed"; exit 1; }
fi

# A test that waits far more than it runs ddcd code runs against the release build only
# (RELEASE_ONLY in tests/api/lib.mjs); one that waits to reach code few others reach (recovery from
# a kill -9 or a database outage), whose value is that code under the sanitizers, against the ASan
# build only (ASAN_ONLY there).
for variant in asan release; do
  bin=$ROOT/build/ddcd
  [ $variant = asan ] && bin=$ROOT/build/asan/ddcd
  echo "== API tests against $variant ddcd"
  node_suite "api-$variant" 900 "$bin" tests/api/
  count "api/$variant" "$WORK/api-$variant.out"
done

echo "== browser tests (chromium) against release ddcd"
node_suite web 600 "$ROOT/build/ddcd" tests/web/
count "web/release" "$WORK/web.out"

echo "== sanitizer reports in ddcd logs"
reports=$(grep -lE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$DDC_TEST_LOGS"/* 2>/dev/null)
if [ -n "$reports" ]; then
  for r in $reports; do echo "-- $r"; grep -A 30 -E 'ERROR: |runtime error:' "$r" | head -60; done
  echo "0 passed, 1 failed" >"$WORK/san.out"
else
  echo "1 passed, 0 failed" >"$WORK/san.out"
fi
count "sanitizers" "$WORK/san.out"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
