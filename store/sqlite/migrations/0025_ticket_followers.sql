-- The reports a resident follows ("me too"), for GET /v1/tickets?following=true.
--
-- A ticket's followers live in its document; finding a resident's followed reports there is a
-- scan of every ticket. ticket_followers lists them per resident in filing order (the order of
-- the resident's lists), kept exact by triggers in the transaction of every ticket write. The
-- triggers look at the document only when it names followers (most never do), so a filing pays
-- a string search and nothing more.
CREATE TABLE ticket_followers (
    user_id    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    ticket_id  TEXT    NOT NULL,
    PRIMARY KEY (user_id, created_at, ticket_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX ticket_followers_ticket ON ticket_followers (ticket_id);

INSERT OR IGNORE INTO ticket_followers (user_id, created_at, ticket_id)
SELECT f.value, t.created_at, t.id FROM tickets t, json_each(t.doc, '$.followers') f;

CREATE TRIGGER tickets_followers_insert AFTER INSERT ON tickets
WHEN instr(NEW.doc, '"followers"') > 0
BEGIN
    INSERT OR IGNORE INTO ticket_followers (user_id, created_at, ticket_id)
    SELECT value, NEW.created_at, NEW.id FROM json_each(NEW.doc, '$.followers');
END;

CREATE TRIGGER tickets_followers_update AFTER UPDATE OF doc ON tickets
WHEN instr(OLD.doc, '"followers"') > 0 OR instr(NEW.doc, '"followers"') > 0
BEGIN
    DELETE FROM ticket_followers WHERE ticket_id = OLD.id;
    INSERT OR IGNORE INTO ticket_followers (user_id, created_at, ticket_id)
    SELECT value, NEW.created_at, NEW.id FROM json_each(NEW.doc, '$.followers');
END;

CREATE TRIGGER tickets_followers_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_followers WHERE ticket_id = OLD.id;
END;
