-- Open data and Open311 (issue 5): change-based reads — Open311 updated_after/updated_before and
-- servicerequestupdates — select tickets by updated_at. Without this index they scan the table;
-- the only updated_at index so far is the sweeper's partial one (pending effects only).

CREATE INDEX tickets_updated ON tickets (updated_at, id);
