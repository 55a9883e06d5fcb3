-- Catalog administration: units can be disabled, routing can be overridden per category and
-- area, every version of a category's deadline and privacy policy is kept (a ticket shows the
-- one it was filed under), and small counters record the catalog's revision (instances reload
-- when it changes) and the version of the shipped reference data last merged.
ALTER TABLE units ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE category_policies (
    code    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL,
    PRIMARY KEY (code, version)
) STRICT;

CREATE TABLE routing_rules (
    category  TEXT NOT NULL,
    area_code TEXT NOT NULL,
    unit_id   TEXT NOT NULL,
    PRIMARY KEY (category, area_code)
) STRICT;

CREATE TABLE reference_data (
    key        TEXT    NOT NULL PRIMARY KEY,
    value      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL DEFAULT 0
) STRICT;
