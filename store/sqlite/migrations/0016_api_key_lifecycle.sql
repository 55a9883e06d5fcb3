-- Machine keys gain a recognisable prefix, an optional expiry, revocation and the time of their
-- last use. Keys of earlier releases have no prefix (their secret was never stored), never
-- expire, are not revoked and have not been seen since.
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER;
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
CREATE INDEX api_keys_created ON api_keys (created_at DESC, id DESC);
