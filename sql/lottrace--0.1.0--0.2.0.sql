-- lottrace 0.1.0 -> 0.2.0
--
-- Brings an installed 0.1.0 to exactly what a fresh install of 0.2.0 creates
-- (test/t/020_upgrade.pl compares the two catalogs object by object).

\echo Use "ALTER EXTENSION lottrace UPDATE TO '0.2.0'" to load this file. \quit
