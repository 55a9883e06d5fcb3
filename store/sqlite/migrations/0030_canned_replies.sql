-- The units' canned replies: texts a unit's leaders prepared for frequent answers, offered in the
-- officials' action forms with the ticket's values filled in. Listed per unit by title.
CREATE TABLE canned_replies (
    id         TEXT    NOT NULL PRIMARY KEY,
    unit_id    TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX canned_replies_unit ON canned_replies (unit_id, title);
