
-- A bakery: raw lots 1-3 go into doughs 4-5, breads 6-8, pallets 9-10; the
-- rolls 8 are reworked into dough 11, which makes bread 12, part of which
-- goes back into the rolls (a cycle 8 -> 11 -> 12 -> 8).  Lots 13-15 form a
-- cycle of returns on their own; lot 16 has no links.
INSERT INTO lots (id, item, code, status) VALUES
	(1, 'flour', 'F-1', 'released'), (2, 'salt', 'S-1', 'released'),
	(3, 'yeast', 'Y-1', 'released'), (4, 'dough', 'D-1', 'consumed'),
	(5, 'dough', 'D-2', 'consumed'), (6, 'bread', 'B-1', 'released'),
	(7, 'bread', 'B-2', 'hold'), (8, 'rolls', 'R-1', 'released'),
	(9, 'pallet', 'P-1', 'released'), (10, 'pallet', 'P-2', 'recalled'),
	(11, 'dough', 'D-3', 'consumed'), (12, 'bread', 'B-3', 'quarantine'),
	(13, 'crate', 'C-1', 'released'), (14, 'crate', 'C-2', 'released'),
	(15, 'crate', 'C-3', 'disposed'), (16, 'sugar', 'SU-1', 'released');
INSERT INTO links (id, parent_id, child_id, quantity, kind) VALUES
	(1, 1, 4, 50, 'consume'), (2, 2, 4, 1, 'consume'), (3, 3, 4, 0.5, 'consume'),
	(4, 1, 5, 40, 'consume'), (5, 2, 5, 1, 'consume'),
	(6, 4, 6, 30, 'consume'), (7, 4, 7, 20, 'consume'), (8, 5, 7, 10, 'consume'),
	(9, 5, 8, 30, 'consume'),
	(10, 6, 9, NULL, 'split'), (11, 6, 10, NULL, 'merge'), (12, 7, 10, NULL, 'merge'),
	(13, 8, 11, 5, 'rework'), (14, 2, 11, 1, 'consume'), (15, 11, 12, 6, 'consume'),
	(16, 12, 8, 2, 'rework'),
	(17, 13, 14, NULL, 'repack'), (18, 14, 15, NULL, 'relabel'), (19, 15, 13, NULL, 'repack');
