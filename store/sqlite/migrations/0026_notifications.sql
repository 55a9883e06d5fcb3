-- Residents' notification inboxes: every push a resident is sent is also kept here, per person
-- rather than per device, so nothing is lost when a push is. Listed per user unread first, each
-- group newest first (read_at 0 while unread).
CREATE TABLE notifications (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    ticket_id  TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    title_en   TEXT    NOT NULL,
    body_en    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX notifications_inbox ON notifications (user_id, read_at > 0, created_at DESC, id DESC);
