--------------------------------------------------------------------------
-- Scale-out on Citus (doc/citus.md)
--------------------------------------------------------------------------

-- Runs on the node that holds a shard of lottrace.links: expands a
-- frontier there with the trace engine over the shard's own genealogy
-- index.  The trace functions call it on every shard, one level at a time,
-- when lottrace.links is distributed; it is no use to anyone else.
CREATE FUNCTION lottrace.citus_expand_shard(shard regclass, backward boolean, frontier bigint[])
	RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'citus_expand_shard'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION lottrace.citus_expand_shard(regclass, boolean, bigint[]) IS
	'internal: the links of one Citus shard of links whose near end is in the frontier, as (near, far, link id) triples';
REVOKE EXECUTE ON FUNCTION lottrace.citus_expand_shard(regclass, boolean, bigint[]) FROM PUBLIC;

-- The DBA's one step after CREATE EXTENSION citus and lottrace on every
-- node and citus_add_node for the workers, while the tables are small or
-- empty (Citus copies what they hold).  links is distributed by parent_id;
-- every other table becomes a reference table, copied to every node, so
-- that their keys and foreign keys stay enforced as on one node.  Citus
-- enforces a unique constraint of a distributed table only when it
-- includes the distribution column: links' primary key becomes (id,
-- parent_id), and id stays unique through its identity sequence.
CREATE FUNCTION lottrace.distribute_genealogy(shard_count integer DEFAULT 32) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	reference_table text;
	foreign_keys text[];
	shell_foreign_keys text[];
	foreign_key text;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
		RAISE EXCEPTION 'the citus extension is not installed in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state',
			      HINT = 'CREATE EXTENSION citus on every node first.';
	END IF;
	IF shard_count IS NULL OR shard_count < 1 THEN
		RAISE EXCEPTION 'shard_count must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition
			    WHERE logicalrelid = 'lottrace.links'::regclass) THEN
		RAISE EXCEPTION 'lottrace.links is distributed already'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	-- Citus refuses a table with triggers, and a trigger on the copy of a
	-- reference table on a worker could not write another reference table:
	-- status changes are not logged in lot_status_log on Citus.
	DROP TRIGGER lots_status_log ON lottrace.lots;
	-- So do FEFO's copies of the lots' fields in stock (the triggers
	-- lots_copy_to_stock and stock_copy_lot), and the indexes that read
	-- those copies: without them allocate reads lots and stock themselves
	-- (its SQL walk, src/fefo_sql.c), never copies left stale.
	DROP TRIGGER lots_copy_to_stock ON lottrace.lots;
	DROP TRIGGER stock_copy_lot ON lottrace.stock;
	DROP INDEX lottrace.stock_fefo_idx;
	DROP INDEX lottrace.stock_fifo_idx;
	-- one connection per node: foreign keys to reference tables need it
	PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	-- The foreign keys between the tables go while they are distributed
	-- and come back the same after: Citus would otherwise turn the tables
	-- that reference a new reference table into Citus local tables first,
	-- by recreating them and the extension's views on them.
	SELECT pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s',
			c.conrelid::regclass, c.conname, pg_catalog.pg_get_constraintdef(c.oid))),
		   pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I',
			c.conrelid::regclass, c.conname))
	  INTO foreign_keys, shell_foreign_keys
	  FROM pg_catalog.pg_constraint c
	 WHERE c.contype = 'f' AND c.connamespace = 'lottrace'::regnamespace;
	-- The workers' lottrace made their own tables, which Citus uses as
	-- the shells of the distributed ones: their foreign keys go too, so
	-- that adding them back (to the shells and the shards) can proceed.
	-- This runs first, in transactions of its own on the workers, before
	-- this transaction locks their tables.
	FOREACH foreign_key IN ARRAY coalesce(shell_foreign_keys, '{}') LOOP
		PERFORM run_command_on_workers(foreign_key);
	END LOOP;
	FOR reference_table, foreign_key IN
		SELECT c.conrelid::regclass::text, c.conname
		  FROM pg_catalog.pg_constraint c
		 WHERE c.contype = 'f' AND c.connamespace = 'lottrace'::regnamespace LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', reference_table, foreign_key);
	END LOOP;
	-- every table of the extension but links, those of features added
	-- later too (mock recalls, unit conversions, EPCIS import log, ...)
	FOR reference_table IN
		SELECT c.oid::regclass::text
		  FROM pg_catalog.pg_class c
		 WHERE c.relnamespace = 'lottrace'::regnamespace AND c.relkind IN ('r', 'p')
		   AND c.relname <> 'links'
		 ORDER BY c.relname LOOP
		PERFORM create_reference_table(reference_table::regclass);
	END LOOP;
	ALTER TABLE lottrace.links DROP CONSTRAINT links_pkey;
	ALTER TABLE lottrace.links ADD CONSTRAINT links_pkey PRIMARY KEY (id, parent_id);
	PERFORM create_distributed_table('lottrace.links'::regclass, 'parent_id',
									 shard_count => shard_count, colocate_with => 'none');
	FOREACH foreign_key IN ARRAY coalesce(foreign_keys, '{}') LOOP
		EXECUTE foreign_key;
	END LOOP;
	-- lot_balances (under the recall views and mass_balance) as Citus can
	-- plan it: the links out of a lot read by a query of their own, which
	-- Citus routes to the lot's one shard, while the view around it reads
	-- only reference tables and runs on the coordinator (Citus cannot plan a
	-- per-lot aggregate over a distributed table correlated with a reference
	-- table, nor run uom_convert, which reads uom_conversions, on the
	-- shards).  SET search_path keeps it from being inlined into the view,
	-- where it would read the coordinator's empty lottrace.links.
	CREATE OR REPLACE FUNCTION lottrace.lot_links_out(lot_id bigint)
		RETURNS TABLE (id bigint, quantity numeric, uom text)
		LANGUAGE sql STABLE
		SET search_path = pg_catalog, pg_temp
		AS $body$
			SELECT k.id, k.quantity, k.uom FROM lottrace.links k WHERE k.parent_id = lot_links_out.lot_id
		$body$;
END
$$;
COMMENT ON FUNCTION lottrace.distribute_genealogy(integer) IS
	'Citus: distributes links by parent_id over shard_count shards, makes the other tables reference tables and lot_balances plannable there';
REVOKE EXECUTE ON FUNCTION lottrace.distribute_genealogy(integer) FROM PUBLIC;
