#!/bin/bash
# galera.sh start|stop|status|wait|clean|stop-node N|start-node N|freeze-node N|thaw-node N
# (freeze-node stops the node's process outright, SIGSTOP: it answers nothing and the
# others evict it; thaw-node lets it go on and waits until it is back and synced)
# A 3-node MariaDB Galera cluster on loopback, for the lock tests.
#   GALERA_BASE  folder holding node1..node3 (default /tmp/dbmanage-galera)
#   GALERA_PORT  client port of node N is GALERA_PORT+N (default 3320: 3321-3323)
#   GALERA_WSREP_PORT  group port GALERA_WSREP_PORT+N, IST +10+N, SST +20+N (default 4580)
#   GALERA_FAKETIME  start-node only: the node's clock runs this far off (libfaketime,
#                    e.g. +1h); its monotonic clock, which Galera times with, is left alone
# Nodes run as the mysql user (a root server starts rsync SST as root, which then
# cannot write the joiner's datadir), read only their own my.cnf, and stop
# only by the pids recorded in their own pid files.
set -u
BASE=${GALERA_BASE:-/tmp/dbmanage-galera}
PORT=${GALERA_PORT:-3320}
WPORT=${GALERA_WSREP_PORT:-4580}
TIMEOUT=${GALERA_TIMEOUT:-180}
NODES="1 2 3"
LIB=/usr/lib/galera/libgalera_smm.so
CLUSTER="gcomm://127.0.0.1:$((WPORT + 1)),127.0.0.1:$((WPORT + 2)),127.0.0.1:$((WPORT + 3))"

sql() {
  mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P$((PORT + $1)) -uroot \
    --connect-timeout=2 -N -B -e "$2" 2>/dev/null
}
status_var() { sql "$1" "SHOW STATUS LIKE '$2'" | cut -f2; }
pid_of() { cat "$BASE/node$1/mariadbd.pid" 2>/dev/null; }
alive() { local p; p=$(pid_of "$1") && [ -n "$p" ] &&
  grep -qaF -- "--defaults-file=$BASE/node$1/my.cnf" "/proc/$p/cmdline" 2>/dev/null; }

FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -f "$FAKETIME_LIB" ] || FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)

need_packages() {
  local want=()
  [ -f "$LIB" ] || want+=(galera-4)
  command -v rsync >/dev/null || want+=(rsync)
  [ -n "${GALERA_FAKETIME:-}" ] && [ ! -f "${FAKETIME_LIB:-/nonexistent}" ] && want+=(libfaketime)
  [ ${#want[@]} -eq 0 ] && return 0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}"; } \
    >/dev/null 2>&1 || { echo "could not install ${want[*]}" >&2; return 1; }
  FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
}

write_cnf() {
  local n=$1 d="$BASE/node$1"
  mkdir -p "$d/data" "$d/tmp"
  chmod 755 "$BASE"
  chown -R mysql:mysql "$d"
  cat > "$d/my.cnf" <<CNF
[mysqld]
user                     = mysql
datadir                  = $d/data
tmpdir                   = $d/tmp
socket                   = $d/mariadbd.sock
pid-file                 = $d/mariadbd.pid
log-error                = $d/error.log
bind-address             = 127.0.0.1
port                     = $((PORT + n))
skip-name-resolve
performance_schema       = OFF
innodb_buffer_pool_size  = 64M
innodb_log_file_size     = 48M
max_connections          = 200
binlog_format            = ROW
default_storage_engine   = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on                 = ON
wsrep_provider           = $LIB
wsrep_cluster_name       = dbmanage_test
wsrep_cluster_address    = $CLUSTER
wsrep_node_name          = node$n
wsrep_node_address       = 127.0.0.1:$((WPORT + n))
wsrep_node_incoming_address = 127.0.0.1:$((PORT + n))
wsrep_sst_method         = rsync
wsrep_sst_receive_address = 127.0.0.1:$((WPORT + 20 + n))
wsrep_provider_options   = "base_host=127.0.0.1;base_port=$((WPORT + n));gmcast.listen_addr=tcp://127.0.0.1:$((WPORT + n));ist.recv_addr=127.0.0.1:$((WPORT + 10 + n));gcache.size=64M"
CNF
}

wait_synced() {
  local n=$1 pid=$2 end=$((SECONDS + TIMEOUT))
  while [ $SECONDS -lt $end ]; do
    kill -0 "$pid" 2>/dev/null || { echo "node$n exited during startup" >&2; break; }
    [ "$(status_var "$n" wsrep_ready)" = ON ] &&
      [ "$(status_var "$n" wsrep_local_state_comment)" = Synced ] && return 0
    sleep 0.5
  done
  echo "node$n not Synced within ${TIMEOUT}s:" >&2
  tail -n 20 "$BASE/node$n/error.log" >&2
  return 1
}

start_node() {  # start_node N [--wsrep-new-cluster]
  local n=$1 d="$BASE/node$1"; shift
  alive "$n" && return 0
  write_cnf "$n"
  if [ "$n" = 1 ] && [ ! -d "$d/data/mysql" ]; then
    mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal \
      --skip-test-db > "$d/install.log" 2>&1 || { cat "$d/install.log" >&2; return 1; }
  fi
  [ $# -gt 0 ] && [ -f "$d/data/grastate.dat" ] &&
    sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
  rm -f "$d/mariadbd.pid"
  if [ -n "${GALERA_FAKETIME:-}" ]; then
    LD_PRELOAD=$FAKETIME_LIB FAKETIME=$GALERA_FAKETIME DONT_FAKE_MONOTONIC=1 \
      setsid mariadbd --defaults-file="$d/my.cnf" "$@" < /dev/null >> "$d/stdout.log" 2>&1 &
  else
    setsid mariadbd --defaults-file="$d/my.cnf" "$@" < /dev/null >> "$d/stdout.log" 2>&1 &
  fi
  wait_synced "$n" $!
}

stop_node() {
  local n=$1 p i
  if alive "$n"; then
    p=$(pid_of "$n")
    kill -TERM "$p"
    for i in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  rm -f "$BASE/node$n/mariadbd.pid"
}

thaw_node() {  # a node stopped by freeze-node goes on, and is back in the cluster
  local n=$1 end=$((SECONDS + TIMEOUT))
  alive "$n" || return 1
  kill -CONT "$(pid_of "$n")"
  until cluster_ok; do
    [ $SECONDS -ge $end ] && { echo "node$n not back within ${TIMEOUT}s" >&2; cmd_status; return 1; }
    sleep 0.5
  done
}

# Every node synced, ready, in one and the same 3-node view (a node that was
# frozen reports its old view for seconds after it goes on).
cluster_ok() {
  local n state views=""
  for n in $NODES; do
    state=$(sql "$n" "SELECT GROUP_CONCAT(variable_value ORDER BY variable_name SEPARATOR ' ')
      FROM information_schema.global_status WHERE variable_name IN ('wsrep_cluster_conf_id',
      'wsrep_cluster_size', 'wsrep_local_state_comment', 'wsrep_ready')") || return 1
    set -- $state   # conf_id size state ready
    [ $# = 4 ] && [ "$2" = 3 ] && [ "$3" = Synced ] && [ "$4" = ON ] || return 1
    views="$views $1"
  done
  [ "$(printf '%s\n' $views | sort -u | wc -l)" = 1 ]
}

cmd_wait() {
  local end=$((SECONDS + TIMEOUT))
  until cluster_ok; do
    [ $SECONDS -ge $end ] && { echo "the cluster is not whole after ${TIMEOUT}s:" >&2; cmd_status >&2; return 1; }
    sleep 0.5
  done
}

cmd_start() {
  need_packages || return 1
  local n running=0
  for n in $NODES; do alive "$n" && running=1; done
  for n in $NODES; do
    if [ "$n" = 1 ] && [ $running = 0 ]; then
      start_node 1 --wsrep-new-cluster || return 1
    else
      start_node "$n" || return 1
    fi
    running=1
  done
  local end=$((SECONDS + 30))
  until cluster_ok; do
    [ $SECONDS -ge $end ] && { echo "the cluster is not whole after 30s" >&2; cmd_status; return 1; }
    sleep 0.5
  done
}

cmd_status() {
  local n
  for n in $NODES; do
    if alive "$n"; then
      echo "node$n port $((PORT + n)) size=$(status_var "$n" wsrep_cluster_size) state=$(status_var "$n" wsrep_local_state_comment)"
    else
      echo "node$n not running"
    fi
  done
}

case "${1:-}" in
  start) cmd_start ;;
  wait) cmd_wait ;;
  stop) for n in 3 2 1; do stop_node "$n"; done ;;
  status) cmd_status ;;
  clean) for n in 3 2 1; do stop_node "$n"; done; rm -rf "${BASE:?}"/node1 "${BASE:?}"/node2 "${BASE:?}"/node3 ;;
  stop-node) stop_node "${2:?node}" ;;
  start-node) need_packages || exit 1; start_node "${2:?node}" ;;
  freeze-node) alive "${2:?node}" && kill -STOP "$(pid_of "$2")" ;;
  thaw-node) thaw_node "${2:?node}" ;;
  *) echo "usage: $0 start|stop|status|wait|clean|stop-node N|start-node N|freeze-node N|thaw-node N" >&2
     exit 2 ;;
esac
