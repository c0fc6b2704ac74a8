--------------------------------------------------------------------------
-- Trace
--------------------------------------------------------------------------
-- Trace.  The functions read links through the genealogy indexes with the
-- calling statement's snapshot; they keep per-session statistics for
-- genealogy_info() and use SQL under row-level security, hence PARALLEL
-- RESTRICTED.  respect_time => true follows links only forward in time and
-- through containers only between cleanings (doc/trace.md).
CREATE FUNCTION lottrace.trace_forward(root bigint, max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_forward_one'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_forward(bigint, integer, boolean) IS
	'every lot made from the root, once, with its shortest depth and the lot it was reached from';

CREATE FUNCTION lottrace.trace_forward(roots bigint[], max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_forward_many'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_forward(bigint[], integer, boolean) IS
	'every lot made from any of the roots, once, with its depth from the nearest root';

CREATE FUNCTION lottrace.trace_backward(root bigint, max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_backward_one'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_backward(bigint, integer, boolean) IS
	'every lot the root was made from, once, with its shortest depth and the lot it was reached from';

CREATE FUNCTION lottrace.trace_backward(roots bigint[], max_depth integer DEFAULT NULL,
									   respect_time boolean DEFAULT false)
	RETURNS TABLE (lot_id bigint, depth integer, via_id bigint)
	AS 'MODULE_PATHNAME', 'trace_backward_many'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_backward(bigint[], integer, boolean) IS
	'every lot any of the roots was made from, once, with its depth from the nearest root';

CREATE FUNCTION lottrace.trace_edges(roots bigint[], direction text DEFAULT 'forward',
									 max_depth integer DEFAULT NULL, respect_time boolean DEFAULT false)
	RETURNS TABLE (link_id bigint, parent_id bigint, child_id bigint, depth integer,
				   quantity numeric, kind lottrace.link_kind)
	AS 'MODULE_PATHNAME', 'trace_edges'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_edges(bigint[], text, integer, boolean) IS
	'the links of the traced subgraph (forward, backward or both), with the depth of their near end';

CREATE FUNCTION lottrace.is_descendant(lot bigint, ancestor bigint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'is_descendant'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.is_descendant(bigint, bigint) IS
	'true when a path of one or more links leads from the ancestor to the lot';

CREATE FUNCTION lottrace.trace_dot(roots bigint[], direction text DEFAULT 'both',
								   max_depth integer DEFAULT NULL, respect_time boolean DEFAULT false)
	RETURNS text
	AS 'MODULE_PATHNAME', 'trace_dot'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_dot(bigint[], text, integer, boolean) IS
	'the traced subgraph as Graphviz DOT: lots labelled with item, code and status, roots highlighted';

CREATE FUNCTION lottrace.genealogy_info()
	RETURNS TABLE (property text, value text)
	AS 'MODULE_PATHNAME', 'genealogy_info'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.genealogy_info() IS
	'the genealogy index (definition, size, state) and what the last trace of this session did';
