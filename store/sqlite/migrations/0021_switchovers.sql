-- Boundary switch-overs: from one boundary set to another at an instant, with the map of old
-- units to their successors (JSON object) and the result counts (JSON), once done.
CREATE TABLE switchovers (
	id          TEXT NOT NULL PRIMARY KEY,
	from_set    TEXT NOT NULL,
	to_set      TEXT NOT NULL,
	at          INTEGER NOT NULL,
	unit_map    TEXT NOT NULL,
	in_progress TEXT NOT NULL,
	state       TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	done_at     INTEGER NOT NULL DEFAULT 0,
	result      TEXT NOT NULL DEFAULT '{}'
) STRICT;
