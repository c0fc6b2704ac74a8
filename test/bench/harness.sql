-- Benchmark harness: times lottrace against the plain SQL a user would
-- otherwise write, in the same run, and checks that both give the same answer.
-- Loaded once per `make bench` into a throwaway cluster.

CREATE EXTENSION IF NOT EXISTS lottrace;
CREATE SCHEMA bench;

CREATE TABLE bench.results (
	seq serial PRIMARY KEY,
	workload text NOT NULL,
	lottrace_ms float8 NOT NULL,
	plain_ms float8 NOT NULL,
	same_answer boolean,			-- NULL: the answers differ by design (note says why)
	note text
);

-- Wall time of one execution, in milliseconds.
CREATE FUNCTION bench.run_ms(statement text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	EXECUTE statement;
	RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END $$;

-- A digest of a query's rows; in the query's own order when "ordered".
CREATE FUNCTION bench.digest(query text, ordered boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	SET LOCAL max_parallel_workers_per_gather = 0;	-- keep the row order of ordered queries
	IF ordered THEN
		EXECUTE format('SELECT md5(string_agg(r::text, E''\n'')) FROM (%s) r', query) INTO result;
	ELSE
		EXECUTE format('SELECT md5(string_agg(r::text, E''\n'' ORDER BY r::text)) FROM (%s) r', query) INTO result;
	END IF;
	RETURN coalesce(result, 'empty');
END $$;

-- Runs both statements "runs" times, alternating so that drift on a noisy
-- machine hits both sides alike, and records the medians.
CREATE FUNCTION bench.record(workload text, lottrace_statement text, plain_statement text,
							 same_answer boolean, runs int, note text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lottrace_times float8[] := '{}';
	plain_times float8[] := '{}';
BEGIN
	FOR i IN 1 .. runs LOOP
		lottrace_times := lottrace_times || bench.run_ms(lottrace_statement);
		plain_times := plain_times || bench.run_ms(plain_statement);
	END LOOP;
	INSERT INTO bench.results (workload, lottrace_ms, plain_ms, same_answer, note)
	SELECT workload,
		   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(lottrace_times) t),
		   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(plain_times) t),
		   same_answer, note;
	RAISE NOTICE 'measured: %', workload;
END $$;

-- Compares two queries: their answers (digests), then their speed with the
-- rows computed and consumed inside the server (count of whole rows, so
-- that no output column can be optimized away).
CREATE FUNCTION bench.compare(workload text, lottrace_query text, plain_query text,
							  ordered boolean DEFAULT false, runs int DEFAULT 5,
							  note text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bench.record(workload,
		format('SELECT count(s) FROM (%s) s', lottrace_query),
		format('SELECT count(s) FROM (%s) s', plain_query),
		bench.digest(lottrace_query, ordered) = bench.digest(plain_query, ordered),
		runs, note);
END $$;

-- Compares two statements whose results are not comparable row by row
-- (index builds, sorts in different orders); "note" says what is compared.
CREATE FUNCTION bench.compare_statements(workload text, lottrace_statement text,
										 plain_statement text, note text,
										 runs int DEFAULT 5) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM bench.record(workload, lottrace_statement, plain_statement, NULL, runs, note);
END $$;

-- Three decimals for small times, so that sub-millisecond traces do not read 0.0.
CREATE FUNCTION bench.ms(value float8) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$ SELECT round(value::numeric, CASE WHEN value < 10 THEN 3 ELSE 1 END) $$;

CREATE VIEW bench.report AS
SELECT workload,
	   bench.ms(lottrace_ms) AS "lottrace ms",
	   bench.ms(plain_ms) AS "plain SQL ms",
	   round((plain_ms / nullif(lottrace_ms, 0))::numeric, 2) AS speedup,
	   CASE same_answer WHEN true THEN 'yes' WHEN false THEN 'NO' ELSE 'n/a' END AS "same answer",
	   note
  FROM bench.results
 ORDER BY seq;
