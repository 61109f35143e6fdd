#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a directory of ours: unix socket only, trust auth for its owner.
#   pg.sh start DIR [--fast]   initdb once, start, create database "ddcd"; --fast turns fsync off (tests)
#   pg.sh stop DIR             stop it if running
#   pg.sh url DIR              print the libpq connection string
#   pg.sh destroy DIR          stop it and delete the cluster (and a /var/tmp fallback)
#   pg.sh replica DIR PRIMARY_DIR [--sync NAME]
#                              a streaming replica of the running cluster in PRIMARY_DIR
#                              (pg_basebackup -R), started, its socket in DIR; --sync NAME makes
#                              it the primary's synchronous standby under that name
#   pg.sh promote DIR          promote the replica in DIR to a primary (waits until it is one)
#   pg.sh pids DIR             the postmaster's pid and its children's, one a line (to kill -9)
# As root the server runs as the unprivileged "postgres" user; if that user cannot reach DIR (a home
# directory with mode 0700, say) or the socket path would be too long, the cluster lives in
# /var/tmp/ddcd-pg-<hash> and DIR becomes a symlink to it.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
cmd=${1:-}; dir=${2:-}; opt=${3:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
  echo "usage: pg.sh start|stop|url|destroy|promote|pids DIR [--fast] | replica DIR PRIMARY_DIR [--sync NAME]" >&2
  exit 2
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

real_dir() { # the directory the server really uses
  if [ -L "$dir" ]; then readlink -f "$dir"; else echo "$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"; fi
}

prepare_dir() {
  [ -e "$dir" ] && return 0
  mkdir -p "$(dirname "$dir")"
  local abs; abs="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"
  local fallback=""
  [ ${#abs} -gt 90 ] && fallback=1
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$abs"; chown postgres:postgres "$abs"; chmod 700 "$abs"
    runuser -u postgres -- test -w "$abs" || fallback=1
  fi
  if [ -n "$fallback" ]; then
    rm -rf "$abs"
    local alt="/var/tmp/ddcd-pg-$(echo -n "$abs" | md5sum | cut -c1-16)"
    mkdir -p "$alt"; chmod 700 "$alt"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$alt"
    ln -s "$alt" "$abs"
    echo "pg: $abs is not usable by the server; the cluster lives in $alt" >&2
  else
    mkdir -p "$abs"; chmod 700 "$abs"
  fi
}

case "$cmd" in
url)
  echo "host=$(real_dir) port=5432 user=ddcd dbname=ddcd"
  ;;
start)
  prepare_dir
  d=$(real_dir)
  if [ ! -f "$d/PG_VERSION" ]; then
    as_owner "$PGBIN/initdb" -D "$d" -U ddcd --auth=trust -E UTF8 --locale=C.UTF-8 >"$d.initdb.log" 2>&1 ||
      { cat "$d.initdb.log" >&2; exit 1; }
    rm -f "$d.initdb.log"
    {
      echo "listen_addresses = ''"
      echo "unix_socket_directories = '$d'"
      echo "unix_socket_permissions = 0700"
      echo "max_connections = 300"
      echo "shared_buffers = 256MB"
      if [ "$opt" = "--fast" ]; then echo "fsync = off"; echo "full_page_writes = off"; fi
    } | as_owner tee -a "$d/postgresql.conf" >/dev/null
  fi
  if ! as_owner "$PGBIN/pg_ctl" -D "$d" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$d" -l "$d/server.log" -w -t 60 start >/dev/null ||
      { tail -n 20 "$d/server.log" >&2; exit 1; }
  fi
  if [ "$(psql -h "$d" -U ddcd -d postgres -tAc "select 1 from pg_database where datname='ddcd'")" != 1 ]; then
    psql -h "$d" -U ddcd -d postgres -qc "create database ddcd" >/dev/null
  fi
  ;;
replica)
  primary=$opt; sync_name=""
  [ -n "$primary" ] || { echo "pg.sh replica: PRIMARY_DIR is required" >&2; exit 2; }
  [ "${4:-}" = "--sync" ] && sync_name=${5:?pg.sh replica: --sync needs a NAME}
  p=$(if [ -L "$primary" ]; then readlink -f "$primary"; else cd "$primary" && pwd; fi)
  prepare_dir
  d=$(real_dir)
  if [ ! -f "$d/PG_VERSION" ]; then
    as_owner "$PGBIN/pg_basebackup" -h "$p" -U ddcd -D "$d" -R -X stream -c fast >"$d.backup.log" 2>&1 ||
      { cat "$d.backup.log" >&2; exit 1; }
    rm -f "$d.backup.log" "$d/postmaster.pid" "$d"/.s.PGSQL.*.lock "$d/server.log"
    # the primary's own standby names are not the replica's once it is promoted
    as_owner sed -i '/^synchronous_standby_names/d' "$d/postgresql.auto.conf"
    {
      echo "unix_socket_directories = '$d'"
      echo "hot_standby = on"
      echo "hot_standby_feedback = on"
      if [ -n "$sync_name" ]; then echo "cluster_name = '$sync_name'"; fi
    } | as_owner tee -a "$d/postgresql.conf" >/dev/null
  fi
  if [ -n "$sync_name" ]; then
    psql -h "$p" -U ddcd -d postgres -qXc "alter system set synchronous_standby_names = '$sync_name'" \
      -c "select pg_reload_conf()" >/dev/null
  fi
  if ! as_owner "$PGBIN/pg_ctl" -D "$d" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$d" -l "$d/server.log" -w -t 60 start >/dev/null ||
      { tail -n 20 "$d/server.log" >&2; exit 1; }
  fi
  if [ -n "$sync_name" ]; then # until the primary counts it as its synchronous standby
    for _ in $(seq 1 300); do
      [ "$(psql -h "$p" -U ddcd -d postgres -tAXc "select count(*) from pg_stat_replication
        where application_name = '$sync_name' and sync_state = 'sync'")" = 1 ] && exit 0
      sleep 0.1
    done
    echo "pg.sh replica: $sync_name did not become the synchronous standby" >&2; exit 1
  fi
  ;;
promote)
  d=$(real_dir)
  as_owner "$PGBIN/pg_ctl" -D "$d" -w -t 60 promote >/dev/null
  ;;
pids)
  d=$(real_dir)
  [ -f "$d/postmaster.pid" ] || exit 0
  pm=$(head -n 1 "$d/postmaster.pid")
  echo "$pm"
  ps -o pid= --ppid "$pm" | tr -d ' '
  ;;
stop)
  [ -e "$dir" ] || exit 0
  d=$(real_dir)
  if [ -f "$d/postmaster.pid" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$d" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  ;;
destroy)
  [ -e "$dir" ] || exit 0
  d=$(real_dir)
  "$0" stop "$dir"
  rm -rf "$d"
  if [ -L "$dir" ]; then rm -f "$dir"; fi
  ;;
*) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
