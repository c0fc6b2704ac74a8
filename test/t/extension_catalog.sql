-- Every object of the lottrace extension described as text, one line per
-- property, with names instead of oids, so that the catalogs of two
-- databases (an upgraded install and a fresh one) compare line by line.
-- Used by test/t/020_upgrade.pl; run with psql -XAtq.

-- Privileges as sorted grantee=privilege[*] items, the default ones spelled
-- out, so that a NULL acl and an explicit default one compare equal.
CREATE FUNCTION pg_temp.acl(items aclitem[], kind "char", owner oid) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(string_agg(item, ',' ORDER BY item), '-')
	  FROM (SELECT coalesce(r.rolname, 'PUBLIC') || '=' || e.privilege_type ||
				   CASE WHEN e.is_grantable THEN '*' ELSE '' END || '/' || g.rolname AS item
			  FROM pg_catalog.aclexplode(coalesce(items, pg_catalog.acldefault(kind, owner))) e
			  LEFT JOIN pg_catalog.pg_roles r ON r.oid = e.grantee
			  JOIN pg_catalog.pg_roles g ON g.oid = e.grantor) i
$$;

CREATE FUNCTION pg_temp.comment(object oid, catalog regclass, sub int DEFAULT 0) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(pg_catalog.quote_literal(description), 'none')
	  FROM (SELECT NULL) n
	  LEFT JOIN pg_catalog.pg_description d
			 ON d.objoid = object AND d.classoid = catalog AND d.objsubid = sub
$$;

CREATE FUNCTION pg_temp.flat(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.replace(t, E'\n', '\n') $$;

CREATE TEMP VIEW members AS
SELECT d.classid, d.objid, d.objsubid
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
 WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
   AND x.extname = 'lottrace';

CREATE TEMP VIEW member_relations AS
SELECT c.* FROM pg_catalog.pg_class c JOIN members m ON m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid;

SELECT line FROM (
	-- what belongs to the extension
	SELECT 'member ' || pg_catalog.pg_describe_object(classid, objid, objsubid) AS line FROM members

	-- the extension itself: version, tables whose data pg_dump keeps
	UNION ALL
	SELECT 'extension ' || extname || ' version ' || extversion || ' relocatable ' || extrelocatable ||
		   ' schema ' || extnamespace::regnamespace::text || ' dumps ' ||
		   coalesce((SELECT string_agg(c::regclass::text || coalesce(' where ' || nullif(w, ''), ''), ', '
											ORDER BY c::regclass::text)
					   FROM unnest(extconfig, extcondition) AS u(c, w)), '-')
	  FROM pg_catalog.pg_extension WHERE extname = 'lottrace'

	-- privileges recorded at creation, which pg_dump compares against
	UNION ALL
	SELECT 'initial privileges ' || pg_catalog.pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' ' ||
		   i.privtype::text || ' ' || pg_temp.acl(i.initprivs, 'f', 10)
	  FROM pg_catalog.pg_init_privs i
	  JOIN members m ON m.classid = i.classoid AND m.objid = i.objoid AND m.objsubid = 0

	-- schemas
	UNION ALL
	SELECT 'schema ' || n.nspname || ' owner ' || n.nspowner::regrole::text || ' acl ' ||
		   pg_temp.acl(n.nspacl, 'n', n.nspowner) || ' comment ' || pg_temp.comment(n.oid, 'pg_namespace')
	  FROM pg_catalog.pg_namespace n WHERE n.nspname = 'lottrace'

	-- functions and procedures: the whole definition (signature, defaults,
	-- volatility, strictness, parallel label, security, settings, cost,
	-- body or C symbol), privileges and comment
	UNION ALL
	SELECT 'function ' || p.oid::regprocedure::text || ' ' ||
		   CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_temp.flat(pg_catalog.pg_get_functiondef(p.oid)) END ||
		   ' leakproof ' || p.proleakproof || ' owner ' || p.proowner::regrole::text ||
		   ' acl ' || pg_temp.acl(p.proacl, 'f', p.proowner) || ' comment ' || pg_temp.comment(p.oid, 'pg_proc')
	  FROM pg_catalog.pg_proc p JOIN members m ON m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid

	-- types: representation and I/O; enum labels in order; domains
	UNION ALL
	SELECT 'type ' || t.oid::regtype::text || ' kind ' || t.typtype::text || ' len ' || t.typlen || ' byval ' || t.typbyval ||
		   ' category ' || t.typcategory::text || ' preferred ' || t.typispreferred || ' delim ' || t.typdelim::text ||
		   ' io ' || t.typinput::text || '/' || t.typoutput::text || '/' || t.typreceive::text || '/' ||
		   t.typsend::text || '/' || t.typmodin::text || '/' || t.typmodout::text || '/' || t.typanalyze::text ||
		   ' align ' || t.typalign::text || ' storage ' || t.typstorage::text || ' notnull ' || t.typnotnull ||
		   ' base ' || t.typbasetype::regtype::text || ' collation ' || t.typcollation::regcollation::text ||
		   ' default ' || coalesce(t.typdefault, '-') || ' array ' || t.typarray::regtype::text ||
		   ' subscript ' || t.typsubscript::text || ' owner ' || t.typowner::regrole::text ||
		   ' acl ' || pg_temp.acl(t.typacl, 'T', t.typowner) || ' comment ' || pg_temp.comment(t.oid, 'pg_type') ||
		   ' labels ' || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
									 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '-') ||
		   ' attributes ' || coalesce((SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod),
														 ', ' ORDER BY a.attnum)
									   FROM pg_catalog.pg_attribute a
									  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '-') ||
		   ' checks ' || coalesce((SELECT string_agg(c.conname || ' ' || pg_catalog.pg_get_constraintdef(c.oid), ', '
													   ORDER BY c.conname)
								 FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid), '-')
	  FROM pg_catalog.pg_type t JOIN members m ON m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid

	-- casts
	UNION ALL
	SELECT 'cast ' || c.castsource::regtype::text || ' -> ' || c.casttarget::regtype::text ||
		   ' function ' || CASE WHEN c.castfunc = 0 THEN '-' ELSE c.castfunc::regprocedure::text END ||
		   ' context ' || c.castcontext::text || ' method ' || c.castmethod::text ||
		   ' comment ' || pg_temp.comment(c.oid, 'pg_cast')
	  FROM pg_catalog.pg_cast c JOIN members m ON m.classid = 'pg_catalog.pg_cast'::regclass AND m.objid = c.oid

	-- operators
	UNION ALL
	SELECT 'operator ' || o.oid::regoperator::text || ' kind ' || o.oprkind::text || ' result ' || o.oprresult::regtype::text ||
		   ' code ' || o.oprcode::text || ' commutator ' || o.oprcom::regoperator::text ||
		   ' negator ' || o.oprnegate::regoperator::text || ' estimators ' || o.oprrest::text || '/' || o.oprjoin::text ||
		   ' merges ' || o.oprcanmerge || ' hashes ' || o.oprcanhash || ' comment ' || pg_temp.comment(o.oid, 'pg_operator')
	  FROM pg_catalog.pg_operator o JOIN members m ON m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid

	-- operator classes and families with their operators and support functions
	UNION ALL
	SELECT 'operator class ' || c.opcname || ' access method ' || a.amname || ' family ' || f.opfname ||
		   ' input ' || c.opcintype::regtype::text || ' default ' || c.opcdefault ||
		   ' key ' || c.opckeytype::regtype::text
	  FROM pg_catalog.pg_opclass c JOIN members m ON m.classid = 'pg_catalog.pg_opclass'::regclass AND m.objid = c.oid
	  JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
	UNION ALL
	SELECT 'operator family ' || f.opfname || ' access method ' || a.amname || ' operator ' || o.amopstrategy || ' ' ||
		   o.amoplefttype::regtype::text || ', ' || o.amoprighttype::regtype::text || ' ' || o.amopopr::regoperator::text ||
		   ' purpose ' || o.amoppurpose::text || ' sort family ' || o.amopsortfamily::text
	  FROM pg_catalog.pg_opfamily f JOIN members m ON m.classid = 'pg_catalog.pg_opfamily'::regclass AND m.objid = f.oid
	  JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod JOIN pg_catalog.pg_amop o ON o.amopfamily = f.oid
	UNION ALL
	SELECT 'operator family ' || f.opfname || ' access method ' || a.amname || ' support ' || p.amprocnum || ' ' ||
		   p.amproclefttype::regtype::text || ', ' || p.amprocrighttype::regtype::text || ' ' ||
		   p.amproc::regprocedure::text
	  FROM pg_catalog.pg_opfamily f JOIN members m ON m.classid = 'pg_catalog.pg_opfamily'::regclass AND m.objid = f.oid
	  JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod JOIN pg_catalog.pg_amproc p ON p.amprocfamily = f.oid

	-- tables, views and sequences
	UNION ALL
	SELECT 'relation ' || c.oid::regclass::text || ' kind ' || c.relkind::text || ' persistence ' || c.relpersistence::text ||
		   ' options ' || coalesce(array_to_string(c.reloptions, ','), '-') ||
		   ' row security ' || c.relrowsecurity || '/' || c.relforcerowsecurity || ' replica identity ' || c.relreplident::text ||
		   ' owner ' || c.relowner::regrole::text || ' acl ' ||
		   pg_temp.acl(c.relacl, CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner) ||
		   ' comment ' || pg_temp.comment(c.oid, 'pg_class')
	  FROM member_relations c
	UNION ALL
	SELECT 'view ' || c.oid::regclass::text || ' ' || pg_temp.flat(pg_catalog.pg_get_viewdef(c.oid))
	  FROM member_relations c WHERE c.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'sequence ' || c.oid::regclass::text || ' type ' || s.seqtypid::regtype::text || ' start ' || s.seqstart ||
		   ' increment ' || s.seqincrement || ' range ' || s.seqmin || '..' || s.seqmax || ' cache ' || s.seqcache ||
		   ' cycle ' || s.seqcycle
	  FROM member_relations c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
	-- columns in their order: what SELECT * returns
	UNION ALL
	SELECT 'column ' || c.oid::regclass::text || ' #' ||
		   row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || a.attname || ' ' ||
		   pg_catalog.format_type(a.atttypid, a.atttypmod) || ' not null ' || a.attnotnull ||
		   ' default ' || coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '-') ||
		   ' identity ' || coalesce(nullif(a.attidentity::text, ''), '-') ||
		   ' generated ' || coalesce(nullif(a.attgenerated::text, ''), '-') ||
		   ' collation ' || a.attcollation::regcollation::text || ' storage ' || a.attstorage::text ||
		   ' acl ' || coalesce(array_to_string(a.attacl, ','), '-') ||
		   ' comment ' || pg_temp.comment(c.oid, 'pg_class', a.attnum)
	  FROM member_relations c
	  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
	 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
	-- constraints, indexes, triggers, policies and rules of those relations
	UNION ALL
	SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' ||
		   pg_catalog.pg_get_constraintdef(c.oid) || ' deferrable ' || c.condeferrable || '/' || c.condeferred ||
		   ' comment ' || pg_temp.comment(c.oid, 'pg_constraint')
	  FROM pg_catalog.pg_constraint c JOIN member_relations r ON r.oid = c.conrelid
	UNION ALL
	SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid) || ' valid ' || i.indisvalid ||
		   ' clustered ' || i.indisclustered || ' replica identity ' || i.indisreplident ||
		   ' comment ' || pg_temp.comment(i.indexrelid, 'pg_class')
	  FROM pg_catalog.pg_index i JOIN member_relations r ON r.oid = i.indrelid
	UNION ALL
	SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text ||
		   ' comment ' || pg_temp.comment(t.oid, 'pg_trigger')
	  FROM pg_catalog.pg_trigger t JOIN member_relations r ON r.oid = t.tgrelid
	 WHERE NOT t.tgisinternal
	UNION ALL
	SELECT 'policy ' || p.schemaname || '.' || p.tablename || ' ' || p.policyname || ' ' || p.permissive || ' ' ||
		   array_to_string(p.roles, ',') || ' ' || p.cmd || ' using ' || coalesce(p.qual, '-') ||
		   ' check ' || coalesce(p.with_check, '-')
	  FROM pg_catalog.pg_policies p JOIN member_relations r ON r.relname = p.tablename
	   AND r.relnamespace::regnamespace::text = p.schemaname
	UNION ALL
	SELECT 'rule ' || pg_temp.flat(pg_catalog.pg_get_ruledef(w.oid))
	  FROM pg_catalog.pg_rewrite w JOIN member_relations r ON r.oid = w.ev_class
	 WHERE w.rulename <> '_RETURN'

	-- event triggers
	UNION ALL
	SELECT 'event trigger ' || e.evtname || ' on ' || e.evtevent || ' function ' || e.evtfoid::regprocedure::text ||
		   ' enabled ' || e.evtenabled::text || ' tags ' || coalesce(array_to_string(e.evttags, ','), '-') ||
		   ' comment ' || pg_temp.comment(e.oid, 'pg_event_trigger')
	  FROM pg_catalog.pg_event_trigger e
	  JOIN members m ON m.classid = 'pg_catalog.pg_event_trigger'::regclass AND m.objid = e.oid
) lines
ORDER BY line COLLATE "C";
