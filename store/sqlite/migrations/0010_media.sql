-- Media (issue 6): one row per uploaded photo or video; the bytes live in the blob store
-- (DATA_DIR/media), addressed by content. An owner's file is stored once (owner_id, sha256);
-- ticket_id is '' until the upload is attached, so the collector finds old unattached rows by
-- (ticket_id, created_at), and the blob indexes tell whether a blob is still referenced.
CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    blob         TEXT NOT NULL,
    blob_bytes   INTEGER NOT NULL,
    thumb_blob   TEXT NOT NULL,
    large_blob   TEXT NOT NULL,
    ticket_id    TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX media_owner_sha256 ON media (owner_id, sha256);
CREATE INDEX media_ticket_created ON media (ticket_id, created_at);
CREATE INDEX media_blob ON media (blob);
CREATE INDEX media_thumb_blob ON media (thumb_blob);
CREATE INDEX media_large_blob ON media (large_blob);
