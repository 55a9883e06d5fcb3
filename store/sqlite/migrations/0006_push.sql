-- Push notifications (issue 4): device tokens and the outbox.
-- Times are INTEGER unix milliseconds (UTC), as everywhere else.

-- One row per FCM registration token; the token is the identity (one app installation), and
-- moves to the newest user that registers it.
CREATE TABLE push_devices (
    token        TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    locale       TEXT    NOT NULL DEFAULT '',
    app_version  TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;

-- Fan-out reads a user's devices; the cap drops a user's least recently seen ones.
CREATE INDEX push_devices_user ON push_devices (user_id, last_seen_at);
-- Pruning of tokens unused for 270 days.
CREATE INDEX push_devices_seen ON push_devices (last_seen_at);

-- One row per (ticket version, device). The id is derived from both, so a replayed enqueue is a
-- no-op (INSERT OR IGNORE). The columns are what the dispatcher filters and updates; doc holds the
-- rendered notification as JSON, written once.
CREATE TABLE push_outbox (
    id              TEXT    NOT NULL PRIMARY KEY,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_holder    TEXT    NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    done_at         INTEGER,
    doc             TEXT    NOT NULL
) STRICT;

-- The claim reads due queued messages in order; final messages leave this partial index.
CREATE INDEX push_outbox_due ON push_outbox (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX push_outbox_state ON push_outbox (state);
