--
-- The genealogy store: tables, constraints, lot_id, the status log
--
SET search_path = lottrace, public;

-- every table is dumped by pg_dump, with its identity sequence
SELECT c::regclass AS config_table, coalesce(nullif(f, ''), '(all rows)') AS filter
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(c, f)
 WHERE e.extname = 'lottrace'
 ORDER BY c::regclass::text COLLATE "C";

-- the genealogy index
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition
  FROM pg_index WHERE indrelid = 'lottrace.links'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";

-- enums
SELECT enum_range(NULL::lot_status) AS lot_status, enum_range(NULL::link_kind) AS link_kind;
SELECT enum_range(NULL::event_kind) AS event_kind, enum_range(NULL::event_lot_role) AS event_lot_role;

-- lots: defaults, identity, the lot type
INSERT INTO lots (item, code) VALUES ('flour', ' F-001 ') RETURNING id, item, code, status, attributes;
INSERT INTO lots (item, code, quantity, uom, produced_at, expires_at, status, tlc_source, supplier)
VALUES ('flour', 'F-002', 1000, 'kg', '2024-03-01 08:00+00', '2024-09-01', 'quarantine', 'Mill A', 'Mill A'),
       ('bread', 'B-001', 500, 'ea', '2024-03-02 06:00+00', '2024-03-09', 'released', 'Bakery', NULL)
RETURNING id, item, code, status;
-- explicit ids are allowed (bulk loads from another system)
INSERT INTO lots (id, item, code) VALUES (100, 'salt', 'S-1') RETURNING id;
-- (item, code) is unique; the same code under another item is fine
INSERT INTO lots (item, code) VALUES ('flour', 'F-001');
INSERT INTO lots (item, code) VALUES ('salt', 'F-001') RETURNING id;
-- codes are validated by the lot type; item, code, status, attributes are required
INSERT INTO lots (item, code) VALUES ('flour', 'F 003');
INSERT INTO lots (item, code) VALUES (NULL, 'F-003');
INSERT INTO lots (item, code) VALUES ('flour', NULL);
INSERT INTO lots (item, code, status) VALUES ('flour', 'F-003', NULL);
INSERT INTO lots (item, code, status) VALUES ('flour', 'F-003', 'lost');
INSERT INTO lots (item, code, attributes) VALUES ('flour', 'F-003', NULL);

-- lot_id
SELECT lot_id('flour', 'F-002') AS flour_f002, lot_id('bread', 'B-001') AS bread;
SELECT lot_id('flour', 'F-999');
SELECT lot_id('flour''s', 'F-002');
SELECT lot_id('bread', 'F-001');
SELECT lot_id(NULL, 'F-001') IS NULL AS null_item, lot_id('flour', NULL) IS NULL AS null_code;
SELECT lot_id('flour', 'bad code');

-- links: defaults, constraints
INSERT INTO links (parent_id, child_id, quantity, uom) VALUES (1, 3, 250, 'kg')
RETURNING id, parent_id, child_id, quantity, uom, kind, event_id, linked_at = now() AS linked_now;
INSERT INTO links (parent_id, child_id, kind) VALUES (2, 3, 'merge'), (100, 3, 'consume') RETURNING id, kind;
INSERT INTO links (parent_id, child_id, linked_at) VALUES (3, 3, '2024-03-02 06:00+00');
INSERT INTO links (parent_id, child_id) VALUES (1, 999);
INSERT INTO links (parent_id, child_id) VALUES (999, 1);
INSERT INTO links (parent_id, child_id, linked_at) VALUES (NULL, 1, '2024-03-02 06:00+00');
INSERT INTO links (parent_id, child_id, kind) VALUES (1, 2, 'mix');
INSERT INTO links (parent_id, child_id, event_id) VALUES (1, 2, 42);
-- cycles may exist
INSERT INTO links (parent_id, child_id, kind) VALUES (3, 1, 'rework') RETURNING id;
-- a lot with links cannot be deleted
DELETE FROM lots WHERE id = 3;

-- events and their lots
INSERT INTO events (kind, occurred_at, location, reference_type, reference)
VALUES ('transform', '2024-03-02 06:00+00', 'Bakery', 'work order', 'WO-1') RETURNING id, kind, attributes;
INSERT INTO event_lots (event_id, lot_id, role, quantity, uom)
VALUES (1, 1, 'input', 250, 'kg'), (1, 3, 'output', 500, 'ea');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (1, 1, 'input');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (1, 1, 'catalyst');
INSERT INTO event_lots (event_id, lot_id, role) VALUES (2, 1, 'input');
INSERT INTO events (kind, occurred_at) VALUES ('ship', NULL);
INSERT INTO events (kind, occurred_at) VALUES ('teleport', now());
UPDATE links SET event_id = 1 WHERE child_id = 3;
-- deleting an event takes its lot roles along, but not a linked event
DELETE FROM events WHERE id = 1;
UPDATE links SET event_id = NULL;
DELETE FROM events WHERE id = 1;
SELECT count(*) AS event_lots_left FROM event_lots;

-- the status log: only real changes, with the reason of the transaction
UPDATE lots SET status = 'released' WHERE id = 2;
UPDATE lots SET status = 'released' WHERE id = 2;
UPDATE lots SET quantity = 900 WHERE id = 2;
BEGIN;
SELECT set_config('lottrace.status_reason', 'supplier notice 17', true) IS NOT NULL AS reason_set;
UPDATE lots SET status = 'hold' WHERE item = 'flour';
COMMIT;
BEGIN;
UPDATE lots SET status = 'recalled' WHERE id = 3;
ROLLBACK;
SELECT lot_id, old_status, new_status, reason, changed_at > now() - interval '1 hour' AS recent, changed_by = current_user AS by_me
  FROM lot_status_log ORDER BY id;

-- bulk load with COPY
COPY lots (id, item, code, status) FROM stdin;
200	sugar	SU-1	released
201	sugar	SU-2	quarantine
202	cake	C-1	released
\.
COPY links (parent_id, child_id, quantity, kind) FROM stdin;
200	202	10	consume
201	202	\N	consume
\.
SELECT parent_id, child_id, quantity, kind FROM links WHERE child_id = 202 ORDER BY parent_id;
COPY links (parent_id, child_id) FROM stdin;
200	999
\.

-- clean up (CASCADE: tables of other features may refer to lots)
SET client_min_messages = warning;
TRUNCATE lots, links, events, event_lots, lot_status_log RESTART IDENTITY CASCADE;
RESET client_min_messages;
