-- Reference data routing needs. Categories are stored as their JSON document (nested SLAs and
-- attributes) beside the key they are listed by.

CREATE TABLE boundary_sets (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    areas       INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    geojson     BLOB    NOT NULL
) STRICT;

CREATE TABLE units (
    id           TEXT NOT NULL PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL DEFAULT '',
    boundary_set TEXT NOT NULL DEFAULT '',
    area_code    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE categories (
    code TEXT NOT NULL PRIMARY KEY,
    doc  TEXT NOT NULL
) STRICT;
