--
-- DROP EXTENSION lottrace: refused while the store holds data, unless
-- lottrace.allow_drop_with_data is on; in a database of its own
--
\set SHOW_CONTEXT never
\set regress_db :DBNAME
CREATE DATABASE lottrace_drop_guard;
\c lottrace_drop_guard
-- the roles exist already (the regression database's lottrace made them):
-- used as they are
CREATE EXTENSION lottrace;
SELECT evtname, evtevent, evtenabled, evttags, evtfoid::regprocedure FROM pg_event_trigger;

-- empty: dropped without a word, and the event trigger goes with it
DROP EXTENSION lottrace;
SELECT count(*) AS event_triggers FROM pg_event_trigger;

-- one lot is enough to refuse, through every statement that would drop it
CREATE EXTENSION lottrace;
INSERT INTO lottrace.lots (item, code) VALUES ('flour', 'FL-1');
DROP EXTENSION lottrace;
DROP EXTENSION IF EXISTS plpgsql, lottrace CASCADE;
DROP SCHEMA lottrace CASCADE;
DROP OWNED BY CURRENT_USER;
INSERT INTO lottrace.recalls (title) VALUES ('mock');
INSERT INTO lottrace.lot_sequences VALUES ('NNN', '', 1);
DROP EXTENSION lottrace;
DELETE FROM lottrace.lots;
DELETE FROM lottrace.recalls;
DROP EXTENSION lottrace;
SELECT count(*) AS lots FROM lottrace.lots;

DELETE FROM lottrace.lot_sequences;
DROP EXTENSION lottrace;
-- PostgreSQL leaves the schema
DROP SCHEMA lottrace;

-- an owner that is no longer a superuser: rows its policies would hide
-- make the look fail, rather than pass as empty; DROP OWNED BY it would
-- drop the extension too
CREATE ROLE lottrace_test_owner SUPERUSER;
SET ROLE lottrace_test_owner;
CREATE EXTENSION lottrace;
INSERT INTO lottrace.lots (item, code) VALUES ('flour', 'FL-1');
ALTER TABLE lottrace.lots ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
RESET ROLE;
ALTER ROLE lottrace_test_owner NOSUPERUSER;
SET ROLE lottrace_test_owner;
SELECT count(*) AS lots_the_owner_sees FROM lottrace.lots;
DROP EXTENSION lottrace;
RESET ROLE;
DROP OWNED BY lottrace_test_owner;

-- other drops are not looked at
CREATE SCHEMA lottrace_scratch;
CREATE TABLE lottrace_scratch.t (i int);
INSERT INTO lottrace_scratch.t VALUES (1);
DROP SCHEMA lottrace_scratch CASCADE;
CREATE ROLE lottrace_test_dropper;
DROP OWNED BY lottrace_test_dropper;
DROP ROLE lottrace_test_dropper;

-- the setting is for superusers; on, the extension goes with its data
CREATE ROLE lottrace_test_nobody;
SET ROLE lottrace_test_nobody;
SET lottrace.allow_drop_with_data = on;
RESET ROLE;
DROP ROLE lottrace_test_nobody;
SET lottrace.allow_drop_with_data = on;
DROP EXTENSION lottrace;
RESET lottrace.allow_drop_with_data;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'lottrace';
DROP SCHEMA lottrace;
DROP ROLE lottrace_test_owner;

-- the roles stay: they belong to the cluster
SELECT rolname FROM pg_roles
 WHERE rolname IN ('lottrace_reader', 'lottrace_operator', 'lottrace_admin') ORDER BY rolname;

\c :regress_db
DROP DATABASE lottrace_drop_guard;
