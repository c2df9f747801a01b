#!/usr/bin/env bash
# A throwaway Virtuoso Open Source for the remote-store tests (tests/test_remote_store.py).
#
#   eval "$(bash .ci/virtuoso.sh start)"   # install if missing, start, print export lines
#   bash .ci/virtuoso.sh env               # print the export lines of the running instance again
#   bash .ci/virtuoso.sh status            # exit 0 when it answers
#   bash .ci/virtuoso.sh stop              # stop it and delete its database
#
# The instance listens on 127.0.0.1 only (HTTP port 8891 and SQL port 1112 unless taken, or
# VIRTUOSO_TEST_HTTP_PORT / VIRTUOSO_TEST_SQL_PORT), keeps its database in a private
# directory (VIRTUOSO_TEST_DIR, default $TMPDIR/graphsvc-virtuoso), and has fresh random
# passwords for dba and for the SPARQL user "graphsvc", which may read and update over
# /sparql-auth (HTTP digest). The packaged default instance (/etc/init.d/virtuoso-opensource-7,
# 0.0.0.0:8890 with dba/dba) is neither configured nor started. Progress goes to stderr; only
# the export lines go to stdout, so that `eval` works. They are also written to $DIR/env (0600).
set -euo pipefail

DIR="${VIRTUOSO_TEST_DIR:-${TMPDIR:-/tmp}/graphsvc-virtuoso}"
HTTP_PORT="${VIRTUOSO_TEST_HTTP_PORT:-8891}"
SQL_PORT="${VIRTUOSO_TEST_SQL_PORT:-1112}"
USER_NAME=graphsvc

say() { echo "virtuoso.sh: $*" >&2; }

case "$DIR" in
  /*/*) ;;
  *) say "VIRTUOSO_TEST_DIR must be an absolute path below a directory, not '$DIR'"; exit 2 ;;
esac

server_pid() {
  # The pid Virtuoso wrote into its lock file, if that process is still our server.
  local pid
  [ -f "$DIR/db/virtuoso.lck" ] || return 1
  pid="$(sed -n 's/^VIRT_PID=\([0-9][0-9]*\).*/\1/p' "$DIR/db/virtuoso.lck" | head -n1)"
  [ -n "$pid" ] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$DIR/virtuoso.ini" || return 1
  echo "$pid"
}

port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT does not count
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

any_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

new_password() {
  if command -v openssl >/dev/null 2>&1; then openssl rand -hex 20; else python3 -c 'import secrets; print(secrets.token_hex(20))'; fi
}

install_virtuoso() {
  command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1 && return 0
  say "installing Debian's virtuoso-opensource (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Answer the package's questions up front. The packaged instance is never used: its dba
  # password stays empty (unset) and, below, its init script is kept from starting it.
  debconf-set-selections <<'EOF'
virtuoso-opensource-7 virtuoso-opensource-7/dba-password password
virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password
virtuoso-opensource-7 virtuoso-opensource-7/register-odbc-dsn boolean false
EOF
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # keep dpkg from starting the packaged instance on 0.0.0.0:8890 with dba/dba
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local rc=0
  # wait for another apt/dpkg run to finish rather than fail on its lock
  { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends virtuoso-opensource >/dev/null; } || rc=$?
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "$rc" != 0 ]; then
    say "apt-get install virtuoso-opensource failed ($rc)"
    exit "$rc"
  fi
}

print_env() {
  [ -f "$DIR/env" ] || { say "no instance started from $DIR"; exit 1; }
  cat "$DIR/env"
}

write_ini() {
  local vsp=/var/lib/virtuoso-opensource-7/vsp
  [ -d "$vsp" ] || vsp="$DIR/vsp"
  mkdir -p "$DIR/db" "$vsp"
  cat >"$DIR/virtuoso.ini" <<EOF
; written by .ci/virtuoso.sh: a private test instance on 127.0.0.1 only
[Database]
DatabaseFile       = $DIR/db/virtuoso.db
ErrorLogFile       = $DIR/db/virtuoso.log
LockFile           = $DIR/db/virtuoso.lck
TransactionFile    = $DIR/db/virtuoso.trx
xa_persistent_file = $DIR/db/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = $DIR/db/virtuoso-temp.db
TransactionFile    = $DIR/db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:$SQL_PORT
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 20
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = .
; about 1.3 GB of buffers: enough for the 1-million-triple benchmark size
NumberOfBuffers      = 170000
MaxDirtyBuffers      = 130000
MaxQueryMem          = 2G

[HTTPServer]
ServerPort           = 127.0.0.1:$HTTP_PORT
ServerRoot           = $vsp
MaxClientConnections = 20
ServerThreads        = 20
MaxKeepAlives        = 20
KeepAliveTimeout     = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
; Virtuoso cuts SELECT results at this many rows (and says so only in an X-SPARQL-MaxRows
; header, which graphsvc turns into an error): keep it above any answer graphsvc asks for.
ResultSetMaxRows           = 10000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 600
MaxSortedTopRows           = 10000000
EOF
}

start() {
  if pid="$(server_pid)"; then
    say "already running (pid $pid) from $DIR"
    print_env
    return 0
  fi
  install_virtuoso
  if ! port_free "$HTTP_PORT"; then HTTP_PORT="$(any_free_port)"; fi
  if ! port_free "$SQL_PORT" || [ "$SQL_PORT" = "$HTTP_PORT" ]; then SQL_PORT="$(any_free_port)"; fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  write_ini
  local dba_pw user_pw t0
  dba_pw="$(new_password)"
  user_pw="$(new_password)"
  t0=$(date +%s)
  say "starting on 127.0.0.1:$HTTP_PORT (SQL 127.0.0.1:$SQL_PORT), database in $DIR/db"
  # +wait: return once the server is online (it daemonises itself; its pid is in the lock file)
  (cd "$DIR/db" && virtuoso-t +configfile "$DIR/virtuoso.ini" +wait) >"$DIR/start.log" 2>&1 || {
    say "virtuoso-t failed to start:"; tail -n 20 "$DIR/db/virtuoso.log" >&2 || true; exit 1;
  }
  # A fresh database has dba/dba; the new passwords go in through stdin, never argv.
  umask 077
  cat >"$DIR/setup.sql" <<EOF
DB.DBA.USER_CREATE ('$USER_NAME', '$user_pw');
GRANT SPARQL_SELECT TO "$USER_NAME";
GRANT SPARQL_UPDATE TO "$USER_NAME";
DB.DBA.USER_CHANGE_PASSWORD ('dba', 'dba', '$dba_pw');
checkpoint;
EOF
  if ! isql-vt "127.0.0.1:$SQL_PORT" dba dba <"$DIR/setup.sql" >"$DIR/setup.log" 2>&1 || grep -q '\*\*\* Error' "$DIR/setup.log"; then
    say "setting up users failed:"; cat "$DIR/setup.log" >&2; stop; exit 1
  fi
  rm -f "$DIR/setup.sql"
  printf '%s\n' "$dba_pw" >"$DIR/dba-password"
  local url="http://127.0.0.1:$HTTP_PORT/sparql-auth" i code=000
  for i in $(seq 1 120); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --digest -u "$USER_NAME:$user_pw" \
      -H 'Accept: application/sparql-results+json' --data-urlencode 'query=ASK {}' "$url" || true)"
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  if [ "$code" != 200 ]; then say "$url does not answer (HTTP $code)"; stop; exit 1; fi
  # the user may update: insert and drop a probe graph
  code="$(curl -s -o "$DIR/probe.out" -w '%{http_code}' --digest -u "$USER_NAME:$user_pw" --data-urlencode \
    'update=INSERT DATA { GRAPH <urn:graphsvc:probe> { <urn:graphsvc:s> <urn:graphsvc:p> "ok" } } ; DROP SILENT GRAPH <urn:graphsvc:probe>' \
    "$url" || true)"
  if [ "$code" != 200 ]; then say "the SPARQL user cannot update (HTTP $code):"; cat "$DIR/probe.out" >&2; stop; exit 1; fi
  cat >"$DIR/env" <<EOF
export GRAPHSVC_TEST_VIRTUOSO_URL=$url
export GRAPHSVC_TEST_VIRTUOSO_USER=$USER_NAME
export GRAPHSVC_TEST_VIRTUOSO_PASSWORD=$user_pw
EOF
  say "online after $(( $(date +%s) - t0 )) s (pid $(server_pid)); log: $DIR/db/virtuoso.log"
  print_env
}

stop() {
  local pid i
  if pid="$(server_pid)"; then
    say "stopping pid $pid"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  else
    say "no running instance from $DIR"
  fi
  rm -rf "$DIR"
}

status() {
  local pid
  if pid="$(server_pid)"; then say "running, pid $pid, $DIR"; return 0; fi
  say "not running"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) status ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
