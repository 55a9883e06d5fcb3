#!/usr/bin/env bash
# bench/run.sh — the reproducible benchmark suite. Runs on a fresh clone:
#
#   bash bench/run.sh                 # everything, writes bench/RESULTS.md
#   BENCH_PARTS=route bash bench/run.sh    # only some parts: micro, route, api, scale (comma list)
#   BENCH_TICKETS=100000 ROUTE_POINTS=100000 BENCH_SCALE=100000 bash bench/run.sh   # a quicker run
#   BENCH_SCALE=100000,1000000 bash bench/run.sh    # the growth table without the 10 M store
#   BENCH_LOAD_ARGS="-duration 2s -max-duration 1s" …  # shorter attacks (a smoke test of the script)
#   BENCH_SERVER_TAGS=sqlite_cgo BENCH_PARTS=api …  # the server on SQLite's C library (needs gcc)
#
# Parts:
#   micro  go test -bench of the hot functions (routing, deadline arithmetic, JWT verification,
#          ticket JSON, push dispatch)
#   route  the national boundary set: index build, memory, lookups/s, 0 allocs, agreement with
#          the exact reference on ROUTE_POINTS points; baselines (a) naive orb/planar and
#          (b) PostGIS ST_Contains with a GiST index (installed with apt-get when missing;
#          skipped with a message when that is impossible)
#   api    a server on SQLite with BENCH_TICKETS generated tickets, loaded by vegeta: intake,
#          statistics summaries, queue, nearby, a resident's reports, against a trivial Fiber
#          handler; server RSS; what a ticket costs on disk (dbstat)
#   scale  the api loads again at each size of BENCH_SCALE (default 0.1 M, 1 M — the api part's —
#          and 10 M tickets) for the growth table: intake, read p99, database size, RSS. The
#          10 M store takes about 30 minutes to generate and 40 GB of disk; leave it out of
#          BENCH_SCALE for a quicker run
#
# Each part writes its raw output under $BENCH_OUT (default: a temporary directory) and the
# summary goes to bench/RESULTS.md. A part that cannot run says why in the results. A full run
# takes about 10 minutes on 2 CPUs once the stores are in $BENCH_CACHE; the first one also
# generates them: 2 minutes for 1,000,000 tickets, about 30 for 10,000,000.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PARTS=${BENCH_PARTS:-micro,route,api,scale}
TICKETS=${BENCH_TICKETS:-1000000}
SCALE=${BENCH_SCALE:-100000,1000000,10000000}
ROUTE_POINTS=${ROUTE_POINTS:-1000000}
NATIONAL=${NATIONAL_FILE:-$ROOT/../shared/data/boundaries/vietnam-2025.geojson.gz}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/phananh-bench.XXXXXX)}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
PORT=${BENCH_PORT:-18080}
BASEPORT=${BENCH_BASELINE_PORT:-18081}
CACHE=${BENCH_CACHE-${XDG_CACHE_HOME:-$HOME/.cache}/phananh-bench}
mkdir -p "$OUT/bin"
log() { echo "bench: $*" >&2; }
want() { [[ ",$PARTS," == *",$1,"* ]]; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

command -v go >/dev/null || { log "go is required"; exit 1; }
log "output in $OUT"
build() { go build -o "$OUT/bin/" "$@" || { log "build of $* failed"; exit 1; }; }
want route && build ./bench/cmd/route
{ want api || want scale; } && build ./bench/cmd/gen ./bench/cmd/load ./bench/cmd/baseline &&
	build ${BENCH_SERVER_TAGS:+-tags "$BENCH_SERVER_TAGS"} ./cmd/phananh

# ---------------------------------------------------------------------------------------------
micro() {
	log "micro benchmarks"
	go test -run '^$' -bench 'BenchmarkLocate' -benchtime 2s ./geo >"$OUT/micro-geo.txt" 2>&1
	go test -run '^$' -bench . -benchtime 1s ./models ./tokens >"$OUT/micro-models-tokens.txt" 2>&1
	go test -run '^$' -bench 'BenchmarkTicketJSON' -benchtime 1s ./handlers >"$OUT/micro-json.txt" 2>&1
	go test -run '^$' -bench 'BenchmarkDispatch' -benchtime 1s ./push >"$OUT/micro-push.txt" 2>&1
	grep -h '^Benchmark' "$OUT"/micro-*.txt >"$OUT/micro.txt" || true
}

# ---------------------------------------------------------------------------------------------
PG_DSN=""
postgis_setup() {
	if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
			log "installing postgresql + postgis with apt-get"
			(apt-get -o DPkg::Lock::Timeout=600 update -qq &&
				DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql postgis) \
				>"$OUT/apt.log" 2>&1 || { echo "apt-get install postgresql postgis failed (see apt.log)"; return 1; }
		else
			echo "PostGIS is not installed and apt-get cannot run as $(id -un)"
			return 1
		fi
	fi
	local ver
	ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
	if ! pg_lsclusters 2>/dev/null | grep -q "^$ver "; then
		pg_createcluster "$ver" main >>"$OUT/apt.log" 2>&1 || { echo "pg_createcluster failed"; return 1; }
	fi
	pg_ctlcluster "$ver" main start >>"$OUT/apt.log" 2>&1 || true
	for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
	pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL $ver did not start"; return 1; }
	su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'phananh-bench'\"" >>"$OUT/apt.log" 2>&1 || { echo "cannot set the postgres password"; return 1; }
	su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS phananh_bench' -c 'CREATE DATABASE phananh_bench'" >>"$OUT/apt.log" 2>&1 || { echo "cannot create the database"; return 1; }
	PG_DSN="host=127.0.0.1 user=postgres password=phananh-bench dbname=phananh_bench sslmode=disable"
	PG_VERSION=$(su postgres -c "psql -tA -d phananh_bench -c 'CREATE EXTENSION IF NOT EXISTS postgis; SELECT version(), postgis_full_version()'" 2>&1 | tr '\n' ' ' | cut -c1-200)
	return 0
}

route() {
	if [ ! -f "$NATIONAL" ]; then
		echo '{"skipped":"national boundary file not found at '"$NATIONAL"'"}' >"$OUT/route.json"
		return
	fi
	postgis_setup >"$OUT/postgis-setup.txt" || {
		log "PostGIS skipped: $(cat "$OUT/postgis-setup.txt")"
		cp "$OUT/postgis-setup.txt" "$OUT/postgis-skipped.txt"
	}
	log "routing on $NATIONAL with $ROUTE_POINTS points${PG_DSN:+ and PostGIS}"
	"$OUT/bin/route" -file "$NATIONAL" -points "$ROUTE_POINTS" ${PG_DSN:+-postgis "$PG_DSN"} >"$OUT/route.json" 2>"$OUT/route.log"
	echo "${PG_VERSION:-}" >"$OUT/postgis-version.txt"
}

# ---------------------------------------------------------------------------------------------
start_server() { # data-dir
	# The per-account and per-address intake and nearby limits are off: a few residents on one
	# address send the whole load here, where a city's come from thousands of phones. Retention
	# waits 100 years: the generated tickets closed more than 24 months ago were never
	# de-identified, and the worker's catch-up (a rewrite of each: 150,000 at 1 M tickets, minutes
	# of writes; ten times that at 10 M) would run through every measurement, where a city's store
	# de-identifies the few tickets that cross the line each hour.
	DATA_DIR="$1" ADDR="127.0.0.1:$PORT" LOG_LEVEL=info SMS_DRIVER=log SLA_INTERVAL=1h \
		RATE_LIMITS="intake_user=off,intake_ip=off,nearby_user=off,nearby_ip=off" \
		RETENTION_IDENTITY=1200 RETENTION_MEDIA=1200 \
		"$OUT/bin/phananh" >>"$RUN/server.out" 2>>"$RUN/server.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	# Up to 5 minutes: the first start on a cached database may run new migrations over it.
	for _ in $(seq 600); do
		curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	log "server did not start; see $RUN/server.log"
	return 1
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

# tickets_db N DIR: puts a database with N generated tickets at DIR/data/phananh.db.
# Generating a million tickets takes minutes; the result is kept in BENCH_CACHE, keyed by the
# count and the generator (BENCH_CACHE= disables it), and copied on later runs; the server brings
# a cached database's schema up to date when it starts. When the disk has no room for two copies
# (10 M tickets take about 40 GB), the database is moved into the run and back into the cache
# after it (api_at), so the cached one then also holds what the runs filed (intake: a fraction
# of a percent).
tickets_db() {
	local n=$1 dir=$2
	CACHED="" MOVED=""
	rm -rf "$dir/data" && mkdir -p "$dir/data"
	start_server "$dir/data" || return 1
	stop_server
	if [ -n "$CACHE" ]; then
		mkdir -p "$CACHE"
		CACHED="$CACHE/tickets-$n-$(cat bench/cmd/gen/*.go | sha256sum | cut -c1-12).db"
	fi
	if [ -n "$CACHED" ] && [ -f "$CACHED" ]; then
		if [ "$(stat -c %s "$CACHED")" -lt "$(free_bytes "$dir")" ]; then
			log "using the $n generated tickets cached in $CACHED"
			cp "$CACHED" "$dir/data/phananh.db"
			echo "generated $n tickets (cached)" >"$dir/gen.txt"
		else
			log "using the $n generated tickets cached in $CACHED (moved: no room for a copy)"
			mv "$CACHED" "$dir/data/phananh.db" && MOVED=$CACHED
			echo "generated $n tickets (cached, moved: with what earlier runs filed)" >"$dir/gen.txt"
		fi
		rm -f "$dir/data/phananh.db-wal" "$dir/data/phananh.db-shm"
		echo "cached" >"$dir/gen-seconds.txt"
		return 0
	fi
	log "generating $n tickets"
	local t0=$SECONDS
	"$OUT/bin/gen" -db "$dir/data/phananh.db" -n "$n" >"$dir/gen.txt" 2>"$dir/gen.log" || { log "gen failed"; cat "$dir/gen.log" >&2; return 1; }
	echo "$((SECONDS - t0))" >"$dir/gen-seconds.txt"
	if [ -n "$CACHED" ] && [ "$(stat -c %s "$dir/data/phananh.db")" -lt "$(free_bytes "$CACHE")" ]; then
		cp "$dir/data/phananh.db" "$CACHED.tmp" && mv "$CACHED.tmp" "$CACHED"
	elif [ -n "$CACHED" ]; then
		log "$n tickets go into the cache after the run: the disk has no room for a second copy"
		MOVED=$CACHED
	fi
	return 0
}

free_bytes() { echo $(($(df --output=avail -k "$1" | tail -1) * 1024)); }

# api_at N DIR [dbstat]: the API loads on a server over N generated tickets; raw output in DIR.
api_at() {
	local n=$1
	RUN=$2
	tickets_db "$n" "$RUN" || return
	stat -c %s "$RUN/data/phananh.db" >"$RUN/db-bytes.txt"
	du -sh "$RUN/data/phananh.db" | cut -f1 >"$RUN/db-size.txt"
	# What each ticket costs on disk, by table and index (SQLite's dbstat; reads the whole file).
	[ "${3:-}" = dbstat ] && "$OUT/bin/gen" -dbstat -db "$RUN/data/phananh.db" >"$RUN/dbstat.txt" 2>&1
	start_server "$RUN/data" || return
	local unit password key officer
	unit=$(curl -s "http://127.0.0.1:$PORT/v1/units" | grep -o '"id":"longxuyen-2023\.[0-9]*\.cong_an"' | head -1 | cut -d'"' -f4)
	password="bench password $RANDOM$RANDOM"
	officer="canbo.bench$RANDOM$RANDOM"
	echo "$password" | DATA_DIR="$RUN/data" "$OUT/bin/phananh" admin user create --role officer --username "$officer" --unit "$unit" >>"$RUN/admin.log" 2>&1
	key=$(DATA_DIR="$RUN/data" "$OUT/bin/phananh" admin apikey create --name bench --scope stats 2>>"$RUN/admin.log" | tail -1)
	"$OUT/bin/baseline" -addr "127.0.0.1:$BASEPORT" >"$RUN/baseline.log" 2>&1 &
	local base=$!
	PIDS+=("$base")
	sleep 1
	echo "$unit" >"$RUN/officer-unit.txt"
	grep -m1 -o '"driver":"[^"]*"' "$RUN/server.log" | cut -d'"' -f4 >"$RUN/driver.txt"
	"$OUT/bin/gen" -explain-unit "$unit" -db "$RUN/data/phananh.db" >"$RUN/queue-plan.txt" 2>&1
	log "load at $n tickets: baseline, summaries, queue, nearby, mine, intake"
	"$OUT/bin/load" -base "http://127.0.0.1:$PORT" -baseline "http://127.0.0.1:$BASEPORT" \
		-server-log "$RUN/server.log" -server-pid "$SERVER_PID" -officer "$officer" -password "$password" \
		-stats-key "$key" -unit "$unit" -json "$RUN/load.jsonl" ${BENCH_LOAD_ARGS:-} >"$RUN/load.txt" 2>"$RUN/load.log"
	grep VmHWM "/proc/$SERVER_PID/status" >"$RUN/server-hwm.txt" 2>/dev/null
	stop_server
	kill "$base" 2>/dev/null
	wait "$base" 2>/dev/null
	stat -c %s "$RUN/data/phananh.db" >"$RUN/db-bytes-after.txt"
}

# uncache puts a database tickets_db moved into the run back into the cache, whatever happened.
uncache() {
	if [ -n "$MOVED" ] && [ -f "$RUN/data/phananh.db" ]; then
		mv "$RUN/data/phananh.db" "$MOVED"
	fi
}

# api: the main run at BENCH_TICKETS, in $OUT itself.
api() {
	api_at "$TICKETS" "$OUT" dbstat
	uncache
}

# scale: the same loads at each size of BENCH_SCALE other than BENCH_TICKETS (whose figures the
# main run gives), each in $OUT/scale-N; the data directories are removed after (10 M tickets
# take about 40 GB).
scale() {
	local n
	rm -rf "$OUT/data" # the api part's store: the room is wanted for the larger ones
	for n in ${SCALE//,/ }; do
		[ "$n" = "$TICKETS" ] && continue
		mkdir -p "$OUT/scale-$n"
		api_at "$n" "$OUT/scale-$n"
		uncache
		rm -rf "$OUT/scale-$n/data"
	done
}

want micro && micro
want route && route
want api && api
want scale && scale
log "writing $RESULTS"
go run ./bench/cmd/report -out "$OUT" -parts "$PARTS" -results "$RESULTS" || exit 1
log "done: $RESULTS (raw output in $OUT)"
