#!/usr/bin/env bash
# Makes the upgrade test's fixture (tests/api/upgrade.test.mjs): a database written by a RELEASED
# ddcd, dumped, with the test-only keys needed to serve it. Run it with the release's binary:
#   tests/upgrade/make-fixture.sh build/ddcd tests/upgrade/release-<commit>
# It creates the schema with that binary's own migrations (`ddcd migrate`, `ddcd init --demo`),
# mints, transfers, freezes and revokes a few certificates, waits until the log has them, and
# writes OUT/dump.sql (pg_dump, plain), OUT/certificates.json (code, ddc_id and the verdict the
# release gave) and OUT/data/ (master.key and the API keys: test fixtures, never real keys).
set -euo pipefail
[ -n "${TRACE:-}" ] && set -x
bin=$(realpath "$1"); out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ddcd-fixture.XXXXXX); chmod 711 "$work"
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; "$root/scripts/pg.sh" destroy "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
"$root/scripts/pg.sh" start "$work/pg" --fast
export DDC_DATABASE_URL; DDC_DATABASE_URL=$("$root/scripts/pg.sh" url "$work/pg")
export DDC_DATA_DIR=$work/data
"$bin" migrate >/dev/null
"$bin" init --demo >/dev/null
"$bin" serve --listen 127.0.0.1:0 2>"$work/serve.log" &
srv=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1)
OP=$(cat "$DDC_DATA_DIR/operator.key"); ISS=$(cat "$DDC_DATA_DIR/demo-issuer.key")
call() { # KEY METHOD PATH [BODY]
  curl -sf -X "$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    "$base$3" ${4:+-d "$4"}
}
iss=$(call "$ISS" GET /v1/accounts | jq '.items[0].id')
holder=$(call "$OP" GET "/v1/accounts?role=holder" | jq '.items[0].id')
call "$OP" POST "/v1/accounts/$iss/recharges" \
  '{"amount_minor":100000,"currency":"CNY","reference":"fixture-0001"}' >/dev/null
ids=()
for i in 1 2 3 4 5; do
  r=$(call "$ISS" POST /v1/certificates "{\"kind\":\"generic\",\"external_ref\":\"FX-$i\",
    \"metadata\":{\"title\":\"Fixture $i\",\"n\":$i,\"list\":[1.5,\"\\u00e9\"]}}")
  ids+=("$(echo "$r" | jq .ddc_id)")
done
call "$ISS" POST "/v1/certificates/${ids[1]}/transfer" "{\"to\":$holder}" >/dev/null
call "$ISS" POST "/v1/certificates/${ids[2]}/revoke" '{"reason":"fixture"}' >/dev/null
call "$ISS" POST "/v1/certificates/${ids[3]}/freeze" '{}' >/dev/null
mkdir -p "$out/data"
{
  echo '['
  sep=
  for id in "${ids[@]}"; do
    code=$(call "$ISS" GET "/v1/certificates/$id" | jq -r .code)
    for _ in $(seq 100); do # until the log has it
      v=$(curl -s "$base/v1/verify/$code" | jq -r .result)
      [ "$v" != not_yet_anchored ] && break; sleep 0.1
    done
    printf '%s  {"ddc_id": %s, "code": "%s", "result": "%s"}' "$sep" "$id" "$code" "$v"
    sep=$',\n'
  done
  printf '\n]\n'
} >"$out/certificates.json"
kill "$srv"; wait "$srv" || true; srv=
pg_dump --no-owner --no-privileges "$DDC_DATABASE_URL" >"$out/dump.sql"
cp "$DDC_DATA_DIR"/master.key "$DDC_DATA_DIR"/*.key "$out/data/" 2>/dev/null || true
cat "$out/certificates.json"
