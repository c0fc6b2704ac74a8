--
-- Recalls under row-level security: open_recall covers the whole genealogy
-- or refuses; the recall views show each reader what it may see
--
SET search_path = lottrace, public;
\set SHOW_CONTEXT never

-- flour into dough, dough into bread, and reworked into rolls
INSERT INTO lots (id, item, code) VALUES
	(1, 'flour', 'F-1'), (2, 'dough', 'D-1'), (3, 'bread', 'B-1'), (4, 'rolls', 'R-1');
INSERT INTO links (parent_id, child_id, kind) VALUES (1, 2, 'consume'), (2, 3, 'consume'), (2, 4, 'rework');
INSERT INTO stock (lot_id, location, on_hand) VALUES (4, 'store', 10);

CREATE ROLE lottrace_test_plant IN ROLE lottrace_admin;
CREATE ROLE lottrace_test_auditor BYPASSRLS IN ROLE lottrace_admin;

-- the plant may not see rework links: its trace stops short of the rolls,
-- and a recall it opened would leave them on sale
ALTER TABLE links ENABLE ROW LEVEL SECURITY;
CREATE POLICY plant_links ON links TO lottrace_test_plant USING (kind <> 'rework');
SET ROLE lottrace_test_plant;
SELECT lot_id, depth FROM trace_forward(1) ORDER BY lot_id;
SELECT open_recall('Flour F-1', ARRAY[1]::bigint[]);
-- with row_security off, the same refusal rather than a query's error
SET row_security = off;
SELECT open_recall('Flour F-1', ARRAY[1]::bigint[]);
RESET row_security;
RESET ROLE;
-- nothing was written
SELECT count(*) AS recalls FROM recalls;
SELECT count(*) AS not_released FROM lots WHERE status <> 'released';

-- any policy on a table the recall reads refuses it, even one that hides
-- nothing: whether it does cannot be known from the caller's side
CREATE POLICY plant_lots ON lots TO lottrace_test_plant USING (true);
ALTER TABLE lots ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
SET ROLE lottrace_test_plant;
SELECT open_recall('Flour F-1', ARRAY[1]::bigint[], hold => false);
RESET ROLE;
ALTER TABLE reservations DISABLE ROW LEVEL SECURITY;

-- a role that row-level security does not apply to opens the whole recall:
-- with BYPASSRLS (an attribute of the role itself, not inherited) ...
SET ROLE lottrace_test_auditor;
SELECT open_recall('Flour F-1', ARRAY[1]::bigint[]) AS flour_recall \gset
RESET ROLE;
SELECT lot_id, depth FROM recall_lots WHERE recall_id = :flour_recall ORDER BY lot_id;
SELECT id, status FROM lots ORDER BY id;
-- ... or the tables' owner, here the superuser
SELECT open_recall('Dough D-1', ARRAY[2]::bigint[], hold => false) AS dough_recall \gset
SELECT lot_id, depth FROM recall_lots WHERE recall_id = :dough_recall ORDER BY lot_id;

-- reading is not refused: the views show the plant its part of each scope
SET ROLE lottrace_test_plant;
SELECT recall_id, lot_id, depth FROM recall_scope ORDER BY recall_id, lot_id;
SELECT recall_id, lots FROM recall_summary ORDER BY recall_id;
RESET ROLE;
SELECT recall_id, lots FROM recall_summary ORDER BY recall_id;

-- clean up
DROP POLICY plant_links ON links;
DROP POLICY plant_lots ON lots;
ALTER TABLE links DISABLE ROW LEVEL SECURITY;
ALTER TABLE lots DISABLE ROW LEVEL SECURITY;
DROP ROLE lottrace_test_plant;
DROP ROLE lottrace_test_auditor;
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log, stock, reservations, recalls, recall_roots,
	recall_lots RESTART IDENTITY CASCADE;
RESET client_min_messages;
