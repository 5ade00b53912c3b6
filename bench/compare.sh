#!/usr/bin/env bash
# Side by side: PostGraphile v5 and v4 against ours, on the same PostgreSQL data, in one go.
#
#   bench/compare.sh            # everything: set-up, check, six servers, docs/benchmarks.md
#
# Steps (each skipped where already done):
#   1. the peer harness from ../shared/peers/postgraphile into .peer/ (npm install there), its
#      load driver taught to add up the CPU of several server processes (our workers);
#   2. the peer's data set in database peer_bench (generated, or its traffic moved to end now);
#   3. the same data in our schema: PostgreSQL devportal_bench and bench/out/bench.sqlite3;
#   4. a check that our pages hold what v5's hold (bench/check_peer.py), before any timing;
#   5. the peer's matrix (scripts/bench-suite.sh) against v5, v4, and ours: PostgreSQL with 2
#      workers, cache off and on; SQLite with 1 worker, cache off and on;
#   6. the table in docs/benchmarks.md (bench/report.py).
# Env: CONCURRENCIES ("1 10 50"), DURATION (15 s per run), SKIP_PEERS=1 to time ours only,
# SETUP_ONLY=1 to stop after step 3 (a new machine: harness and data, no timing).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEER=$REPO/.peer
PY=$REPO/.venv/bin/python
OURS_PG=postgres://devportal:devportal@127.0.0.1:5432/devportal_bench
OURS_SQLITE=sqlite://$REPO/bench/out/bench.sqlite3
export CONCURRENCIES=${CONCURRENCIES:-"1 10 50"} DURATION=${DURATION:-15}
export PGPASSWORD=peer_bench
peer_psql() { psql -h 127.0.0.1 -U peer_bench -d peer_bench -v ON_ERROR_STOP=1 -q "$@"; }
as_postgres() { su postgres -s /bin/sh -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }

# 1. The harness.
if [[ ! -d $PEER/node_modules ]]; then
  rm -rf "$PEER" && cp -r "$REPO/../shared/peers/postgraphile" "$PEER"
  (cd "$PEER" && npm install --no-audit --no-fund)
  (cd "$PEER/v5" && npm install --no-audit --no-fund)
  (cd "$PEER/v4" && npm install --no-audit --no-fund)
fi
# CPU per request of a server of several processes: --server-pid takes "pid,pid,...".
sed -i 's|server: a\["server-pid"\] ? ticks(a\["server-pid"\]) : 0|server: a["server-pid"] ? a["server-pid"].split(",").reduce((s, p) => s + ticks(p), 0) : 0|' \
  "$PEER/scripts/load.mjs"

# 2. The peer's data.
if [[ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = 'peer_bench'\"")" != "1" ]] ||
   ! peer_psql -tAc "SELECT 1 FROM app.traffic_hourly LIMIT 1" >/dev/null 2>&1; then
  as_postgres "-f $PEER/sql/00_setup_role_db.sql"
  peer_psql -f "$PEER/sql/01_schema.sql"
  peer_psql -f "$PEER/sql/02_generate.sql"
else
  peer_psql -f "$PEER/sql/03_rebase_traffic.sql"
fi

# 3. Our copy (again each time: the peer's traffic may have moved to the current hour).
if [[ "$(as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'devportal'\"")" != "1" ]]; then
  as_postgres "-c \"CREATE ROLE devportal LOGIN PASSWORD 'devportal' CREATEDB\""
fi
if [[ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = 'devportal_bench'\"")" != "1" ]]; then
  as_postgres "-c \"CREATE DATABASE devportal_bench OWNER devportal\""
fi
mkdir -p "$REPO/bench/out"
SOURCE=postgres://peer_bench:peer_bench@127.0.0.1:5432/peer_bench
(cd "$REPO" && $PY bench/load_peer.py --source "$SOURCE" --target "$OURS_PG")
(cd "$REPO" && $PY bench/load_peer.py --source "$SOURCE" --target "$OURS_SQLITE")
if [[ "${SETUP_ONLY:-0}" == 1 ]]; then exit 0; fi

# Our server on :8000: prints the PIDs of all its processes.
start_ours() {  # URL WORKERS CACHE(yes|no)
  local cache=--no-response-cache; [[ $3 == yes ]] && cache=--response-cache
  (cd "$REPO" && DEVPORTAL_DATABASE_URL=$1 DEVPORTAL_ANONYMOUS_READ=1 \
    DEVPORTAL_RATE_LIMIT_PER_MINUTE=0 exec .venv/bin/devportal serve --port 8000 \
    --workers "$2" "$cache" > "$REPO/bench/out/server.log" 2>&1) &
  OURS_PID=$!
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null http://127.0.0.1:8000/readyz && break
    sleep 0.5
  done
  sleep 1
  PIDS=$(echo "$OURS_PID" $(pgrep -P "$OURS_PID" || true) | tr ' ' ',')
}
stop_ours() { kill "$OURS_PID" 2>/dev/null || true; wait "$OURS_PID" 2>/dev/null || true; sleep 1; }
trap stop_ours EXIT

Q=$REPO/bench/queries
run_ours() {  # LABEL URL WORKERS CACHE
  start_ours "$2" "$3" "$4"
  (cd "$PEER" && scripts/bench-suite.sh "$1" http://127.0.0.1:8000/graphql \
    "$Q/headline.graphql" "$Q/headline-lite.graphql" "$PIDS" "$Q/headline-cursor.graphql")
  stop_ours
}

# 4. Same answers as v5, before any timing.
if [[ "${SKIP_PEERS:-0}" != 1 ]]; then
  start_ours "$OURS_PG" 2 no
  (cd "$PEER" && PORT=5678 exec scripts/start-v5.sh > "$REPO/bench/out/v5.log" 2>&1) &
  V5=$!
  for _ in $(seq 1 60); do
    curl -sf -o /dev/null -H 'content-type: application/json' --data '{"query":"{__typename}"}' \
      http://127.0.0.1:5678/graphql && break
    sleep 0.5
  done
  (cd "$REPO" && $PY bench/check_peer.py --ours http://127.0.0.1:8000/graphql \
    --peer http://127.0.0.1:5678/graphql --peer-query "$PEER/queries/headline.v5.graphql") \
    | tee "$REPO/bench/out/check.txt"
  kill "$V5"; wait "$V5" 2>/dev/null || true
  stop_ours
  # 5. The peers.
  (cd "$PEER" && scripts/run-peer.sh v5)
  (cd "$PEER" && scripts/run-peer.sh v4)
fi
run_ours ours-pg "$OURS_PG" 2 no
run_ours ours-pg-cache "$OURS_PG" 2 yes
run_ours ours-sqlite "$OURS_SQLITE" 1 no
run_ours ours-sqlite-cache "$OURS_SQLITE" 1 yes

# 6. The table.
(cd "$REPO" && $PY bench/report.py --results "$PEER/results" --check bench/out/check.txt)
