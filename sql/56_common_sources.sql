--------------------------------------------------------------------------
-- Common sources
--------------------------------------------------------------------------
-- The ancestors several lots share (complaint lots, say), ranked by how many
-- of them each reaches: one backward search from all of them at once, read
-- like the traces (statement snapshot, privileges, row-level security).
CREATE FUNCTION lottrace.trace_common_sources(lots bigint[], max_depth integer DEFAULT NULL,
											  clean_lots bigint[] DEFAULT NULL)
	RETURNS TABLE (lot_id bigint, hits integer, depth integer, reaches_clean boolean)
	AS 'MODULE_PATHNAME', 'trace_common_sources'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_common_sources(bigint[], integer, bigint[]) IS
	'every ancestor of the lots, with how many of them it reaches, its shortest depth and whether it reaches a clean lot, ranked';
