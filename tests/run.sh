#!/usr/bin/env bash
# Runs every test suite against throwaway servers it starts and always stops: C unit tests (under
# ASan+UBSan), the libFuzzer targets for a few seconds each from their seed corpora, then the API
# suites against a private PostgreSQL and real ddcd processes (ASan build and optimised build), the
# browser suite (chromium, optimised build), then a scan of every ddcd log for sanitizer reports.
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

cleanup() {
  pkill -TERM -f "$WORK/" 2>/dev/null
  pkill -KILL -f "ddcd-test-marker=$WORK" 2>/dev/null
  "$ROOT/scripts/pg.sh" destroy "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
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

echo "== unit tests (ASan+UBSan)"
for t in build/asan/tests/test_*; do
  name=$(basename "$t")
  "$t" >"$WORK/$name.out" 2>&1
  rc=$?
  grep -E '^(not ok|  FAIL)|runtime error|Sanitizer' "$WORK/$name.out"
  [ $rc -ne 0 ] && ! grep -q ' failed$' "$WORK/$name.out" && echo "0 passed, 1 failed" >>"$WORK/$name.out"
  count "unit/$name" "$WORK/$name.out"
done

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

for variant in asan release; do
  bin=$ROOT/build/ddcd
  [ $variant = asan ] && bin=$ROOT/build/asan/ddcd
  echo "== API tests against $variant ddcd"
  DDC_BIN=$bin node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$WORK/api-$variant.tap" tests/api/ \
    2>&1 | grep -vE '^\s*$' | tail -n 400
  p=$(grep -E '^# pass ' "$WORK/api-$variant.tap" | awk '{print $3}')
  f=$(grep -E '^# fail ' "$WORK/api-$variant.tap" | awk '{print $3}')
  echo "${p:-0} passed, ${f:-1} failed" >"$WORK/api-$variant.out"
  count "api/$variant" "$WORK/api-$variant.out"
done

echo "== browser tests (chromium) against release ddcd"
DDC_BIN=$ROOT/build/ddcd node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$WORK/web.tap" tests/web/ \
  2>&1 | grep -vE '^\s*$' | tail -n 200
p=$(grep -E '^# pass ' "$WORK/web.tap" | awk '{print $3}')
f=$(grep -E '^# fail ' "$WORK/web.tap" | awk '{print $3}')
echo "${p:-0} passed, ${f:-1} failed" >"$WORK/web.out"
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
