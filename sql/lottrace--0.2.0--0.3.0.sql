-- lottrace 0.2.0 -> 0.3.0
--
-- Brings an installed 0.2.0 to exactly what a fresh install of 0.3.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).  An
-- installed 0.1.0 gets here through lottrace--0.1.0--0.2.0.sql first.
--
-- One block per topic, each under a header naming it.

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Common sources (trace_common_sources, issue 13)
--------------------------------------------------------------------------
CREATE FUNCTION lottrace.trace_common_sources(lots bigint[], max_depth integer DEFAULT NULL,
											  clean_lots bigint[] DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, hits integer, depth integer, reaches_clean boolean)
	AS 'MODULE_PATHNAME', 'trace_common_sources'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_common_sources(bigint[], integer, bigint[]) IS
	'every ancestor of the lots, with how many of them it reaches, its shortest depth and whether it reaches a clean lot, ranked';
