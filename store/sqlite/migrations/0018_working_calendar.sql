-- The working calendar's years as administrators entered them (days off and swapped working days,
-- JSON arrays of YYYY-MM-DD); each replaces the shipped data of its year.
CREATE TABLE calendar_years (
	year        INTEGER NOT NULL PRIMARY KEY,
	days_off    TEXT NOT NULL,
	swapped     TEXT NOT NULL,
	updated_at  INTEGER NOT NULL,
	updated_by  TEXT NOT NULL
) STRICT;
