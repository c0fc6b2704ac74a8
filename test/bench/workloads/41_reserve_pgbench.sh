#!/bin/bash
# reserve under concurrency: pgbench clients reserve, release and ship while
# another puts lots on hold and back, for a fixed time, with 8 and 32
# clients, on 4 hot items and on 1,000 items; then the invariants are
# checked: nothing reserved beyond on hand, every stock counter equal to its
# reservations, no reservation on a lot that is not released, every unit
# shipped or still on hand, no deadlock.  Each case runs twice, on fresh
# items: with lottrace.reserve, and with the same transaction written as
# plain SQL (one locking UPDATE ... RETURNING per pick line, at most three
# lines).  Run by bench.sh in the bench cluster (PG* variables from
# pg_virtualenv: loopback only).
set -euo pipefail

seconds=${BENCH_SECONDS:-10}

psql_quiet() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_quiet <<'SQL'
-- ship the client's oldest reservation; a hold may have ended it first
CREATE FUNCTION bench.ship_oldest(reference text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	oldest bigint;
BEGIN
	SELECT id INTO oldest FROM lottrace.reservations r WHERE r.reference = ship_oldest.reference
	 ORDER BY id LIMIT 1;
	IF oldest IS NULL THEN
		RETURN 0;
	END IF;
	PERFORM lottrace.ship(oldest, 'customer ' || reference);
	RETURN 1;
EXCEPTION WHEN no_data_found OR object_not_in_prerequisite_state THEN
	RETURN 0;
END $$;

CREATE TABLE bench.reserve_runs (
	run text PRIMARY KEY,
	on_hand numeric,
	deadlocks bigint,
	last_reservation bigint,
	reserve_tps numeric,
	reserve_latency text,
	invariants text
);
SQL

scripts=$(mktemp -d)
trap 'rm -rf "$scripts"' EXIT

# run_case RUN IMPLEMENTATION CLIENTS ITEMS: one pgbench run on items RUN-1..RUN-ITEMS
run_case() {
	local run=$1 implementation=$2 clients=$3 items=$4
	local lots=$((items > 4 ? 5 : 50))

	psql_quiet -v run="$run" -v items="$items" -v lots="$lots" <<'SQL'
-- lots per item, two locations per lot, 1,000 units per row
INSERT INTO lottrace.lots (item, code, produced_at, expires_at, uom)
SELECT :'run' || '-' || i, 'H' || i || '-' || n, timestamptz '2024-01-01' + n * interval '1 hour',
	   date '2024-02-01' + n, 'ea'
  FROM generate_series(1, :items) AS i, generate_series(1, :lots) AS n;
INSERT INTO lottrace.stock (lot_id, location, on_hand)
SELECT l.id, location, 1000
  FROM lottrace.lots l, unnest(ARRAY['A', 'B']) AS location
 WHERE l.item LIKE :'run' || '-%';
VACUUM ANALYZE lottrace.lots, lottrace.stock;
INSERT INTO bench.reserve_runs (run, on_hand, deadlocks, last_reservation)
SELECT :'run',
	   (SELECT sum(on_hand) FROM lottrace.stock s JOIN lottrace.lots l ON l.id = s.lot_id
		 WHERE l.item LIKE :'run' || '-%'),
	   (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()),
	   coalesce(pg_sequence_last_value('lottrace.reservations_id_seq'), 0);
SQL
	local min_lot max_lot
	read -r min_lot max_lot < <(psql -X -At -F ' ' -c "SELECT min(id), max(id) FROM lottrace.lots WHERE item LIKE '$run-%'")

	if [ "$implementation" = lottrace ]; then
		cat > "$scripts/reserve.sql" <<SQL
\set item random(1, $items)
\set quantity random(1, 30)
SELECT count(*) FROM lottrace.reserve('$run-' || :item, :quantity, 'client ' || :client_id, as_of => '2024-01-15', allow_partial => true);
SQL
	else
		# The plain SQL a user writes: per pick line, lock the first free
		# stock row in fefo order (and share-lock its lot, so that a hold
		# waits), take what it has up to what remains, record the
		# reservation.  At most three lines: a row holds 1,000 units.
		{
			echo "\\set item random(1, $items)"
			echo "\\set remaining random(1, 30)"
			echo "BEGIN;"
			for line in 1 2 3; do
				[ "$line" = 1 ] || echo "\\if :remaining > 0"
				cat <<SQL
WITH pick AS (
	SELECT s.lot_id, s.location, least(s.on_hand - s.reserved, :remaining) AS quantity
	  FROM lottrace.stock s JOIN lottrace.lots l ON l.id = s.lot_id
	 WHERE l.item = '$run-' || :item AND l.status = 'released' AND s.on_hand > s.reserved
	   AND (l.expires_at IS NULL OR l.expires_at >= '2024-01-15')
	 ORDER BY l.expires_at, l.produced_at, l.id, s.location
	 LIMIT 1
	   FOR NO KEY UPDATE OF s FOR SHARE OF l
), taken AS (
	UPDATE lottrace.stock s SET reserved = s.reserved + pick.quantity
	  FROM pick WHERE s.lot_id = pick.lot_id AND s.location = pick.location
	RETURNING s.lot_id, s.location, pick.quantity
), reserved AS (
	INSERT INTO lottrace.reservations (lot_id, location, quantity, reference)
	SELECT lot_id, location, quantity, 'client ' || :client_id FROM taken
	RETURNING quantity
)
SELECT coalesce((SELECT :remaining - quantity FROM reserved), 0) AS remaining
\gset
SQL
				[ "$line" = 1 ] || echo "\\endif"
			done
			echo "COMMIT;"
		} > "$scripts/reserve.sql"
	fi
	cat > "$scripts/release.sql" <<'SQL'
SELECT count(*) FROM lottrace.release('client ' || :client_id);
SQL
	cat > "$scripts/ship.sql" <<'SQL'
SELECT bench.ship_oldest('client ' || :client_id);
SQL
	cat > "$scripts/hold.sql" <<SQL
\set lot random($min_lot, $max_lot)
SELECT count(*) FROM lottrace.set_status(ARRAY[:lot]::bigint[], 'hold', 'bench');
SELECT count(*) FROM lottrace.set_status(ARRAY[:lot]::bigint[], 'released', 'bench');
SQL

	echo "reserve: pgbench, $implementation, $clients clients for $seconds s on $items items"
	pgbench -n -c "$clients" -j 2 -T "$seconds" \
		-f "$scripts/reserve.sql@20" -f "$scripts/release.sql@4" -f "$scripts/ship.sql@4" \
		-f "$scripts/hold.sql@1" > "$scripts/pgbench.out" 2>&1 || { cat "$scripts/pgbench.out"; exit 1; }
	if grep -q 'aborted' "$scripts/pgbench.out"; then
		cat "$scripts/pgbench.out"
		echo "reserve: a pgbench client aborted" >&2
		exit 1
	fi
	# the first script's summary: " - 1234 transactions (66.4% of total, tps = 61.7)"
	local reserve_tps reserve_latency
	reserve_tps=$(awk '/^SQL script 1:/ { mine = 1 } mine && /tps = / { sub(/.*tps = /, ""); sub(/\).*/, ""); print; exit }' "$scripts/pgbench.out")
	reserve_latency=$(awk '/^SQL script 1:/ { mine = 1 } mine && /latency average/ { sub(/.*= /, ""); print; exit }' "$scripts/pgbench.out")

	psql -X -q -P pager=off -v run="$run" -v reserve_tps="$reserve_tps" -v reserve_latency="$reserve_latency" \
		<<'SQL' | tee "$scripts/check.out"
\pset footer off
CREATE TEMP VIEW invariants AS
WITH run_stock AS (
	SELECT s.* FROM lottrace.stock s JOIN lottrace.lots l ON l.id = s.lot_id WHERE l.item LIKE :'run' || '-%'
)
SELECT (SELECT count(*) FROM run_stock WHERE reserved < 0 OR reserved > on_hand) AS oversold_rows,
	   (SELECT count(*)
		  FROM run_stock s
		  LEFT JOIN (SELECT lot_id, location, sum(quantity) AS quantity
					   FROM lottrace.reservations GROUP BY lot_id, location) r USING (lot_id, location)
		 WHERE s.reserved <> coalesce(r.quantity, 0)) AS counter_mismatches,
	   (SELECT count(*) FROM lottrace.reservations r JOIN lottrace.lots l ON l.id = r.lot_id
		 WHERE l.status <> 'released' AND l.item LIKE :'run' || '-%') AS reservations_on_blocked_lots,
	   (SELECT on_hand FROM bench.reserve_runs WHERE run = :'run')
		 - (SELECT sum(on_hand) FROM run_stock)
		 - (SELECT coalesce(sum(e.quantity), 0) FROM lottrace.event_lots e JOIN lottrace.lots l ON l.id = e.lot_id
			 WHERE l.item LIKE :'run' || '-%' AND e.role = 'subject') AS units_unaccounted,
	   (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database())
		 - (SELECT deadlocks FROM bench.reserve_runs WHERE run = :'run') AS deadlocks;
SELECT * FROM invariants;
SELECT CASE WHEN oversold_rows + counter_mismatches + reservations_on_blocked_lots
				 + units_unaccounted + deadlocks = 0 THEN 'hold' ELSE 'BROKEN' END AS invariants
  FROM invariants \gset
UPDATE bench.reserve_runs SET reserve_tps = :reserve_tps, reserve_latency = :'reserve_latency',
	   invariants = :'invariants'
 WHERE run = :'run';
\echo reserve: invariants :invariants
SQL
	if [ "$implementation" = lottrace ] && ! grep -q '^reserve: invariants hold$' "$scripts/check.out"; then
		echo "reserve: an invariant does not hold" >&2
		exit 1
	fi
}

for clients in 8 32; do
	for items in 4 1000; do
		run_case "c$clients-i$items-lottrace" lottrace "$clients" "$items"
		run_case "c$clients-i$items-plain" plain "$clients" "$items"
	done
done

# into the report: time per reserve call on both sides, so that the speedup
# is lottrace's throughput over the plain SQL's
psql_quiet <<'SQL'
INSERT INTO bench.results (workload, lottrace_ms, plain_ms, same_answer, note)
SELECT format('reserve: pgbench %s clients, %s items (vs plain SQL UPDATE ... RETURNING per line)',
			  substring(l.run FROM '^c(\d+)'), substring(l.run FROM '-i(\d+)-')),
	   1000 / l.reserve_tps, 1000 / p.reserve_tps, NULL,
	   format('reserve calls/s: lottrace %s, plain SQL %s; latency lottrace %s, plain SQL %s; invariants: lottrace %s, plain SQL %s',
			  round(l.reserve_tps), round(p.reserve_tps), l.reserve_latency, p.reserve_latency,
			  l.invariants, p.invariants)
  FROM bench.reserve_runs l
  JOIN bench.reserve_runs p ON p.run = replace(l.run, '-lottrace', '-plain')
 WHERE l.run LIKE '%-lottrace'
 ORDER BY substring(l.run FROM '^c(\d+)')::int, substring(l.run FROM '-i(\d+)-')::int;
SQL
