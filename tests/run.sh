#!/usr/bin/env bash
# Runs Gridflow's whole test suite: formatting, lints, unit, contract and end-to-end tests against
# real PostgreSQL, RabbitMQ and Redis. Servers installed on this machine but stopped are started;
# missing ones are reported with the command that installs them. Point the tests elsewhere with
# GRIDFLOW_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432), GRIDFLOW_TEST_AMQP_URL and
# GRIDFLOW_TEST_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port seconds name
  for _ in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
  fail "$3 did not come up on 127.0.0.1:$1 within $2 s"
}

ensure_postgres() {
  [ -n "${GRIDFLOW_TEST_PG_URL:-}" ] && return 0
  port_open 5432 && return 0
  command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] || fail "PostgreSQL is not installed.
  Install and start it:  apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start
  (tests connect as user postgres with trust auth on 127.0.0.1:5432, or set GRIDFLOW_TEST_PG_URL)"
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port 5432 30 PostgreSQL
}

ensure_redis() {
  command -v redis-server >/dev/null || fail "redis-server is not installed (one test starts a private instance).
  Install it:  apt-get install -y redis-server"
  [ -n "${GRIDFLOW_TEST_REDIS_URL:-}" ] && return 0
  port_open 6379 && return 0
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 20 Redis
}

ensure_rabbitmq() {
  [ -n "${GRIDFLOW_TEST_AMQP_URL:-}" ] && return 0
  port_open 5672 && return 0
  command -v rabbitmq-server >/dev/null || fail "RabbitMQ is not installed.
  Install and start it:  apt-get install -y rabbitmq-server && rabbitmq-server -detached
  (tests use guest/guest on 127.0.0.1:5672, or set GRIDFLOW_TEST_AMQP_URL)"
  say "starting RabbitMQ"
  rabbitmq-server -detached
  wait_port 5672 90 RabbitMQ
}

drop_leftover_databases() {
  # Tests drop their own databases; this removes those of runs that were killed midway.
  [ -n "${GRIDFLOW_TEST_PG_URL:-}" ] && return 0
  command -v psql >/dev/null || return 0
  psql -h 127.0.0.1 -U postgres -d postgres -Atc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'gf\_test\_%'" 2>/dev/null |
    while read -r db; do
      psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
}

ensure_postgres
ensure_redis
ensure_rabbitmq
drop_leftover_databases

say "cargo fmt --check"
cargo fmt --all -- --check || fail "code is not formatted: run cargo fmt --all"
say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "cargo test (unit, contract and end-to-end suites)"
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' target/test-output.log | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/test-output.log | awk '{s+=$1} END {print s+0}')

say "API fuzzing: no generated request may cause a 5xx (schemathesis, fixed seed)"
set +e
GRIDFLOW_BIN=target/debug/gridflow bash tests/fuzz.sh
fuzz=$?
set -e
if [ "$fuzz" -eq 0 ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  [ "$status" -ne 0 ] || status=$fuzz
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
