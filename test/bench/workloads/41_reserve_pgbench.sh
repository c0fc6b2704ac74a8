#!/bin/bash
# reserve under concurrency: pgbench clients reserve, release and ship on a
# few hot items while another puts lots on hold and back, for a fixed time;
# then the invariants are checked: nothing reserved beyond on hand, every
# stock counter equal to its reservations, no reservation on a lot that is
# not released, and every unit shipped or still on hand.  Run by bench.sh
# in the bench cluster (PG* variables from pg_virtualenv: loopback only).
set -euo pipefail

clients=${BENCH_CLIENTS:-8}
seconds=${BENCH_SECONDS:-20}
items=4

psql_quiet() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_quiet -v items="$items" <<'SQL'
-- hot items: 50 lots each, two locations per lot, 100k units per item
INSERT INTO lottrace.lots (item, code, produced_at, expires_at, uom)
SELECT 'hot-' || i, 'H' || i || '-' || n, timestamptz '2024-01-01' + n * interval '1 hour',
	   date '2024-02-01' + n, 'ea'
  FROM generate_series(1, :items) AS i, generate_series(1, 50) AS n;
INSERT INTO lottrace.stock (lot_id, location, on_hand)
SELECT l.id, location, 1000
  FROM lottrace.lots l, unnest(ARRAY['A', 'B']) AS location
 WHERE l.item LIKE 'hot-%';
VACUUM ANALYZE lottrace.lots, lottrace.stock;

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

CREATE TABLE bench.reserve_start AS
SELECT (SELECT sum(on_hand) FROM lottrace.stock s JOIN lottrace.lots l ON l.id = s.lot_id
		 WHERE l.item LIKE 'hot-%') AS on_hand,
	   (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()) AS deadlocks,
	   coalesce(pg_sequence_last_value('lottrace.reservations_id_seq'), 0) AS last_reservation;
SQL

read -r min_lot max_lot < <(psql -X -At -F ' ' -c "SELECT min(id), max(id) FROM lottrace.lots WHERE item LIKE 'hot-%'")

scripts=$(mktemp -d)
trap 'rm -rf "$scripts"' EXIT
cat > "$scripts/reserve.sql" <<SQL
\set item random(1, $items)
\set quantity random(1, 30)
SELECT count(*) FROM lottrace.reserve('hot-' || :item, :quantity, 'client ' || :client_id, as_of => '2024-01-15', allow_partial => true);
SQL
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

echo "reserve: pgbench, $clients clients for $seconds s on $items hot items"
pgbench -n -c "$clients" -j 2 -T "$seconds" \
	-f "$scripts/reserve.sql@20" -f "$scripts/release.sql@4" -f "$scripts/ship.sql@4" \
	-f "$scripts/hold.sql@1" > "$scripts/pgbench.out" 2>&1 || { cat "$scripts/pgbench.out"; exit 1; }
if grep -q 'aborted' "$scripts/pgbench.out"; then
	cat "$scripts/pgbench.out"
	echo "reserve: a pgbench client aborted" >&2
	exit 1
fi
# the first script's summary: " - 1234 transactions (66.4% of total, tps = 61.7)"
reserve_tps=$(awk '/^SQL script 1:/ { mine = 1 } mine && /tps = / { sub(/.*tps = /, ""); sub(/\).*/, ""); print; exit }' "$scripts/pgbench.out")
reserve_latency=$(awk '/^SQL script 1:/ { mine = 1 } mine && /latency average/ { sub(/.*= /, ""); print; exit }' "$scripts/pgbench.out")
total_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$scripts/pgbench.out")

psql -X -q -P pager=off -v reserve_tps="$reserve_tps" -v total_tps="$total_tps" -v reserve_latency="$reserve_latency" \
	-v seconds="$seconds" <<'SQL' | tee "$scripts/check.out"
\pset footer off
CREATE TEMP VIEW invariants AS
WITH hot_stock AS (
	SELECT s.* FROM lottrace.stock s JOIN lottrace.lots l ON l.id = s.lot_id WHERE l.item LIKE 'hot-%'
)
SELECT (SELECT count(*) FROM hot_stock WHERE reserved < 0 OR reserved > on_hand) AS oversold_rows,
	   (SELECT count(*)
		  FROM hot_stock s
		  LEFT JOIN (SELECT lot_id, location, sum(quantity) AS quantity
					   FROM lottrace.reservations GROUP BY lot_id, location) r USING (lot_id, location)
		 WHERE s.reserved <> coalesce(r.quantity, 0)) AS counter_mismatches,
	   (SELECT count(*) FROM lottrace.reservations r JOIN lottrace.lots l ON l.id = r.lot_id
		 WHERE l.status <> 'released') AS reservations_on_blocked_lots,
	   (SELECT on_hand FROM bench.reserve_start)
		 - (SELECT sum(on_hand) FROM hot_stock)
		 - (SELECT coalesce(sum(e.quantity), 0) FROM lottrace.event_lots e JOIN lottrace.lots l ON l.id = e.lot_id
			 WHERE l.item LIKE 'hot-%' AND e.role = 'subject') AS units_unaccounted,
	   (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database())
		 - (SELECT deadlocks FROM bench.reserve_start) AS deadlocks;

SELECT round(:reserve_tps) AS "reserve calls/s",
	   round((coalesce(pg_sequence_last_value('lottrace.reservations_id_seq'), 0)
			  - (SELECT last_reservation FROM bench.reserve_start)) / :seconds::numeric) AS "reservations/s",
	   :'reserve_latency' AS "reserve latency", round(:total_tps) AS "all transactions/s",
	   (SELECT count(*) FROM lottrace.reservations r JOIN lottrace.lots l ON l.id = r.lot_id
		 WHERE l.item LIKE 'hot-%') AS "open reservations",
	   (SELECT count(*) FROM lottrace.event_lots e JOIN lottrace.lots l ON l.id = e.lot_id
		 WHERE l.item LIKE 'hot-%') AS shipments,
	   (SELECT count(*) FROM lottrace.lot_status_log WHERE reason = 'bench') AS "status changes";
SELECT * FROM invariants;
SELECT CASE WHEN oversold_rows + counter_mismatches + reservations_on_blocked_lots
				 + units_unaccounted + deadlocks = 0 THEN 'hold' ELSE 'BROKEN' END AS invariants
  FROM invariants \gset
\echo reserve: invariants :invariants
SQL
grep -q '^reserve: invariants hold$' "$scripts/check.out" || { echo "reserve: an invariant does not hold" >&2; exit 1; }
