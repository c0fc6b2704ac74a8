-- lottrace 0.2.0 -> 0.3.0
--
-- Brings an installed 0.2.0 to exactly what a fresh install of 0.3.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).  An
-- installed 0.1.0 gets here through lottrace--0.1.0--0.2.0.sql first.
--
-- One block per topic, each under a header naming it.

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.3.0'" to load this file. \quit
