-- The officials' saved queue filters: a name and the query string of GET /v1/queue, per user,
-- listed oldest first.
CREATE TABLE saved_filters (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX saved_filters_user ON saved_filters (user_id, created_at, id);
