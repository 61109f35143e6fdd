#!/usr/bin/env bash
# make run: the private PostgreSQL cluster in var/pg (unless DDC_DATABASE_URL names another),
# migrations, the operator and demo accounts, then ddcd in the foreground. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export DDC_DATA_DIR=${DDC_DATA_DIR:-var}
mkdir -p "$DDC_DATA_DIR"
chmod 711 "$DDC_DATA_DIR" # the server user must traverse it; key files are 0600
if [ -z "${DDC_DATABASE_URL:-}" ]; then
  scripts/pg.sh start "$DDC_DATA_DIR/pg"
  DDC_DATABASE_URL=$(scripts/pg.sh url "$DDC_DATA_DIR/pg")
  export DDC_DATABASE_URL
  trap 'scripts/pg.sh stop "$DDC_DATA_DIR/pg"' EXIT
fi
build/ddcd migrate
build/ddcd init --demo
listen=${DDC_LISTEN:-127.0.0.1:8080}
cat <<MSG

ddcd serves on http://$listen  (Ctrl-C stops it)
  operator key     $(cat "$DDC_DATA_DIR/operator.key")   ($DDC_DATA_DIR/operator.key)
  demo issuer key  $(cat "$DDC_DATA_DIR/demo-issuer.key")   ($DDC_DATA_DIR/demo-issuer.key)
  demo holder key  $(cat "$DDC_DATA_DIR/demo-holder.key")   ($DDC_DATA_DIR/demo-holder.key)
try:
  curl -s -H "Authorization: Bearer \$(cat $DDC_DATA_DIR/operator.key)" http://$listen/v1/accounts

MSG
build/ddcd serve
