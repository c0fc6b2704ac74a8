--
-- trace_common_sources and privileges: SELECT on links and lots, row-level
-- security, as for the traces (trace_security)
--
SET search_path = lottrace, public;
-- the genealogy the trace tests share
\i test/sql/include/bakery_genealogy.sql

CREATE ROLE lottrace_common_clerk;
CREATE ROLE lottrace_common_plant;
GRANT USAGE ON SCHEMA lottrace TO lottrace_common_clerk, lottrace_common_plant;

-- no SELECT on links, then none on lots: 42501, as a query would get
SET ROLE lottrace_common_clerk;
SELECT * FROM trace_common_sources(ARRAY[9, 10]);
RESET ROLE;
GRANT SELECT ON links TO lottrace_common_clerk;
SET ROLE lottrace_common_clerk;
SELECT * FROM trace_common_sources(ARRAY[9, 10]);
RESET ROLE;
-- the ids are enough
GRANT SELECT (id) ON lots TO lottrace_common_clerk;
SET ROLE lottrace_common_clerk;
SELECT * FROM trace_common_sources(ARRAY[9, 10], NULL, ARRAY[8]);
RESET ROLE;
REVOKE SELECT ON links FROM lottrace_common_clerk;
GRANT SELECT (id, parent_id, child_id) ON links TO lottrace_common_clerk;
SET ROLE lottrace_common_clerk;
SELECT count(*) FROM trace_common_sources(ARRAY[9, 10]);
RESET ROLE;

-- row-level security: the plant sees no rework links, so the rolls 8 and
-- the bread 12 have no common source through the cycle
GRANT SELECT ON links, lots TO lottrace_common_plant;
ALTER TABLE links ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_rework ON links TO lottrace_common_plant USING (kind <> 'rework');
SET ROLE lottrace_common_plant;
SELECT * FROM trace_common_sources(ARRAY[8, 12]);
SELECT property, value FROM genealogy_info() WHERE property = 'last trace path';
RESET ROLE;
-- a superuser is not subject to the policies
SELECT * FROM trace_common_sources(ARRAY[8, 12]);
DROP POLICY no_rework ON links;
ALTER TABLE links DISABLE ROW LEVEL SECURITY;

-- policies on lots hide lots: dough 4 is neither reached nor passed
-- through (so the yeast 3 is not reached), the recalled pallet 10 does not
-- exist as a given lot nor as a clean one
ALTER TABLE lots ENABLE ROW LEVEL SECURITY;
CREATE POLICY not_recalled ON lots TO lottrace_common_plant USING (status <> 'recalled' AND id <> 4);
SET ROLE lottrace_common_plant;
SELECT * FROM trace_common_sources(ARRAY[7, 9]);
SELECT * FROM trace_common_sources(ARRAY[9, 10]);
SELECT * FROM trace_common_sources(ARRAY[9], NULL, ARRAY[10]);
RESET ROLE;
-- with row_security off, a search that policies would filter is an error
SET ROLE lottrace_common_plant;
SET row_security = off;
SELECT * FROM trace_common_sources(ARRAY[9]);
RESET row_security;
RESET ROLE;

-- clean up
DROP POLICY not_recalled ON lots;
ALTER TABLE lots DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON links, lots FROM lottrace_common_clerk, lottrace_common_plant;
REVOKE USAGE ON SCHEMA lottrace FROM lottrace_common_clerk, lottrace_common_plant;
DROP ROLE lottrace_common_clerk;
DROP ROLE lottrace_common_plant;
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
