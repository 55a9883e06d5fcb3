-- Placeholder for migration 0023, which the erasure branch (issue 17, items 4 and 5) owns; the
-- merger drops this file in favour of that one.
SELECT 1;
