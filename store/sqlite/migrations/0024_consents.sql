-- Consent records (Law 91/2025/QH15): one row per grant or withdrawal of a purpose, only ever
-- added, so a resident's list is the history of their decisions. Listed per user in time order.
CREATE TABLE consents (
    id       TEXT    NOT NULL PRIMARY KEY,
    user_id  TEXT    NOT NULL,
    purpose  TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    granted  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    detail   TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX consents_user ON consents (user_id, at, id);
