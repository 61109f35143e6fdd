#!/bin/sh
# ddcd container entrypoint. `serve` (the default) first brings the schema up to date and runs
# `ddcd init`, which is idempotent: the first time it creates the master key and the operator
# account, and writes the operator's API key to $DDC_DATA_DIR/operator.key.
# Any other command runs as `ddcd COMMAND ...` (migrate, init --demo, --help, --version).
set -eu

if [ "${1:-}" = serve ]; then
  shift
  ddcd migrate "$@"
  ddcd init "$@"
  exec ddcd serve "$@"
fi
exec ddcd "$@"
