-- lottrace 0.2.0 -> 0.3.0
--
-- Brings an installed 0.2.0 to exactly what a fresh install of 0.3.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).  An
-- installed 0.1.0 gets here through lottrace--0.1.0--0.2.0.sql first.
--
-- One block per topic, each under a header naming it.

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Time-respecting traces and containers (issue 13 parts 2-3)
--------------------------------------------------------------------------
-- The new enum label is not used by this script (ALTER TYPE ... ADD VALUE
-- in a transaction allows that from PostgreSQL 12 on).
ALTER TYPE lottrace.event_kind ADD VALUE 'clean';

ALTER TABLE lottrace.lots ADD COLUMN container boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN lottrace.lots.container IS
	'a silo, tank or line: a clean event with it as subject cuts every time-respecting path through it';

-- The genealogy indexes gain linked_at: rebuilt here, which blocks writes
-- to links for as long as two index builds take (doc/upgrading.md).
DROP INDEX lottrace.links_parent_idx;
DROP INDEX lottrace.links_child_idx;
CREATE INDEX links_parent_idx ON lottrace.links (parent_id) INCLUDE (child_id, id, linked_at);
CREATE INDEX links_child_idx ON lottrace.links (child_id) INCLUDE (parent_id, id, linked_at);
COMMENT ON INDEX lottrace.links_parent_idx IS 'genealogy index, forward: parent to children';
COMMENT ON INDEX lottrace.links_child_idx IS 'genealogy index, backward: child to parents';

ALTER TABLE lottrace.recalls ADD COLUMN respect_time boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN lottrace.recalls.respect_time IS
	'the scope follows links only forward in time and through containers only between cleanings';

-- The trace functions and open_recall gain respect_time: a new argument
-- list is a new function, and the recall views that call trace_forward go
-- and come back with it.
DROP VIEW lottrace.recall_summary;
DROP VIEW lottrace.recall_shipments;
DROP VIEW lottrace.recall_scope_changes;
DROP VIEW lottrace.recall_scope;
DROP FUNCTION lottrace.trace_forward(bigint, integer);
DROP FUNCTION lottrace.trace_forward(bigint[], integer);
DROP FUNCTION lottrace.trace_backward(bigint, integer);
DROP FUNCTION lottrace.trace_backward(bigint[], integer);
DROP FUNCTION lottrace.trace_edges(bigint[], text, integer);
DROP FUNCTION lottrace.trace_dot(bigint[], text, integer);
DROP FUNCTION lottrace.open_recall(text, bigint[], text, boolean);

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

CREATE FUNCTION lottrace.trace_dot(roots bigint[], direction text DEFAULT 'both',
								   max_depth integer DEFAULT NULL, respect_time boolean DEFAULT false)
	RETURNS text
	AS 'MODULE_PATHNAME', 'trace_dot'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.trace_dot(bigint[], text, integer, boolean) IS
	'the traced subgraph as Graphviz DOT: lots labelled with item, code and status, roots highlighted';

CREATE FUNCTION lottrace.open_recall(title text, roots bigint[], reason text DEFAULT NULL,
									 hold boolean DEFAULT true, respect_time boolean DEFAULT false)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	recall bigint;
	hidden text;
BEGIN
	IF open_recall.title IS NULL OR btrim(open_recall.title) = '' THEN
		RAISE EXCEPTION 'a recall needs a title' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.roots IS NULL OR cardinality(open_recall.roots) = 0
	   OR array_position(open_recall.roots, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'a recall needs at least one root lot, and no null ones'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.hold IS NULL THEN
		RAISE EXCEPTION 'hold must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF open_recall.respect_time IS NULL THEN
		RAISE EXCEPTION 'respect_time must not be null' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- A recall covers the whole genealogy or nothing: under row-level
	-- security the trace, the frozen scope and the hold would each cover
	-- only the rows the caller's policies let it see, silently.
	SELECT string_agg(t::text, ', ' ORDER BY t::text) INTO hidden
	  FROM unnest('{lottrace.lots, lottrace.links, lottrace.recall_lots, lottrace.stock, lottrace.reservations}'::regclass[]) t
	 WHERE row_security_active(t);
	IF hidden IS NOT NULL THEN
		RAISE EXCEPTION 'open_recall needs to see the whole genealogy'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Row-level security applies to role "%s" on %s, so the recall would cover only the rows that role may see.',
								  current_user, hidden),
				  HINT = 'Open recalls as a role that row-level security does not apply to: the tables'' owner, a superuser or a role with BYPASSRLS.';
	END IF;

	INSERT INTO lottrace.recalls (title, reason, respect_time)
	VALUES (open_recall.title, open_recall.reason, open_recall.respect_time)
	RETURNING id INTO recall;
	-- trace_forward raises for a root that is not a lot, before anything stays written
	INSERT INTO lottrace.recall_lots (recall_id, lot_id, depth, via_id)
	SELECT recall, t.lot_id, t.depth, t.via_id
	  FROM lottrace.trace_forward(open_recall.roots, NULL, open_recall.respect_time) t;
	INSERT INTO lottrace.recall_roots (recall_id, lot_id)
	SELECT DISTINCT recall, r FROM unnest(open_recall.roots) r;

	IF open_recall.hold THEN
		PERFORM lottrace.set_status(
			ARRAY(SELECT rl.lot_id FROM lottrace.recall_lots rl WHERE rl.recall_id = recall ORDER BY rl.lot_id),
			'recalled',
			format('recall %s: %s', recall, open_recall.title));
	END IF;
	RETURN recall;
END
$$;
COMMENT ON FUNCTION lottrace.open_recall(text, bigint[], text, boolean, boolean) IS
	'opens a recall: records the roots, freezes the scope (their forward trace, time-respecting with respect_time) and, with hold, marks every lot in it recalled and releases its reservations';

-- The live scope: the forward trace of each open recall's roots, as the
-- genealogy stands now (time-respecting if the recall was opened so).  A filter on recall_id reaches the recalls table, so
-- only that recall is traced.
CREATE VIEW lottrace.recall_scope AS
SELECT r.id AS recall_id, t.lot_id, l.item, l.code, t.depth, l.status, l.expires_at,
	   coalesce((SELECT sum(s.on_hand) FROM lottrace.stock s WHERE s.lot_id = t.lot_id), 0) AS on_hand
  FROM lottrace.recalls r
 CROSS JOIN LATERAL lottrace.trace_forward(
		ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id),
		NULL, r.respect_time) t
  JOIN lottrace.lots l ON l.id = t.lot_id
 WHERE r.status = 'open';
COMMENT ON VIEW lottrace.recall_scope IS
	'live scope of each open recall: every lot made from its roots, with depth, status, expiry and stock on hand';

-- What changed since a recall was opened: lots now reachable that were not
-- in the frozen scope (a late production record), and frozen lots that are
-- no longer reachable (a link deleted as wrong).
CREATE VIEW lottrace.recall_scope_changes AS
SELECT coalesce(live.recall_id, frozen.recall_id) AS recall_id,
	   coalesce(live.lot_id, frozen.lot_id) AS lot_id,
	   l.item, l.code,
	   CASE WHEN frozen.lot_id IS NULL THEN 'added' ELSE 'removed' END AS change
  FROM lottrace.recall_scope live
  FULL JOIN (SELECT rl.recall_id, rl.lot_id
			   FROM lottrace.recall_lots rl
			   JOIN lottrace.recalls r ON r.id = rl.recall_id AND r.status = 'open') frozen
	ON frozen.recall_id = live.recall_id AND frozen.lot_id = live.lot_id
  JOIN lottrace.lots l ON l.id = coalesce(live.lot_id, frozen.lot_id)
 WHERE live.lot_id IS NULL OR frozen.lot_id IS NULL;
COMMENT ON VIEW lottrace.recall_scope_changes IS
	'differences between the live and the frozen scope of each open recall: lots added or removed since it was opened';

CREATE VIEW lottrace.recall_shipments AS
SELECT sc.recall_id, sc.lot_id, sc.item, sc.code, e.id AS event_id, e.occurred_at AS shipped_at,
	   e.partner AS ship_to, el.quantity, el.uom, e.reference
  FROM lottrace.recall_scope sc
  JOIN lottrace.event_lots el ON el.lot_id = sc.lot_id AND el.role = 'subject'
  JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship';
COMMENT ON VIEW lottrace.recall_shipments IS
	'every shipment of a lot in the live scope of an open recall: the customers to call';

-- One trace per recall, shared by every figure.
CREATE VIEW lottrace.recall_summary AS
SELECT r.id AS recall_id, r.title, r.opened_at, f.lots, f.items, f.on_hand, f.shipped_quantity, f.customers
  FROM lottrace.recalls r
 CROSS JOIN LATERAL (
		WITH scope AS MATERIALIZED (
			SELECT t.lot_id, l.item
			  FROM lottrace.trace_forward(
					ARRAY(SELECT rr.lot_id FROM lottrace.recall_roots rr WHERE rr.recall_id = r.id),
					NULL, r.respect_time) t
			  JOIN lottrace.lots l ON l.id = t.lot_id),
		shipments AS MATERIALIZED (
			SELECT e.partner, el.quantity
			  FROM scope
			  JOIN lottrace.event_lots el ON el.lot_id = scope.lot_id AND el.role = 'subject'
			  JOIN lottrace.events e ON e.id = el.event_id AND e.kind = 'ship')
		SELECT (SELECT count(*) FROM scope) AS lots,
			   (SELECT count(DISTINCT scope.item) FROM scope) AS items,
			   (SELECT coalesce(sum(s.on_hand), 0) FROM scope JOIN lottrace.stock s ON s.lot_id = scope.lot_id) AS on_hand,
			   (SELECT coalesce(sum(shipments.quantity), 0) FROM shipments) AS shipped_quantity,
			   (SELECT count(DISTINCT shipments.partner) FROM shipments) AS customers) f
 WHERE r.status = 'open';
COMMENT ON VIEW lottrace.recall_summary IS
	'one row per open recall: lots and items in scope, quantity on hand and shipped, customers reached';

DO $$
DECLARE
	recall_view regclass;
BEGIN
	IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
		ALTER VIEW lottrace.recall_scope SET (security_invoker = true);
		ALTER VIEW lottrace.recall_scope_changes SET (security_invoker = true);
		ALTER VIEW lottrace.recall_shipments SET (security_invoker = true);
		ALTER VIEW lottrace.recall_summary SET (security_invoker = true);
	ELSE
		-- lottrace.check_recall_view_reader() is there since 0.2.0
		FOREACH recall_view IN ARRAY
			'{lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments, lottrace.recall_summary}'::regclass[]
		LOOP
			EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW %s AS SELECT * FROM (%s) v WHERE lottrace.check_recall_view_reader()',
									  recall_view, pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.pg_get_viewdef(recall_view)), ';'));
		END LOOP;
	END IF;
END
$$;
GRANT SELECT ON lottrace.recall_scope, lottrace.recall_scope_changes, lottrace.recall_shipments,
		lottrace.recall_summary
	TO lottrace_reader, lottrace_operator, lottrace_admin;
