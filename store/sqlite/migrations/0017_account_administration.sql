-- Accounts administration: the generation every access token carries (bumped to end them all at
-- once) and why an administrator disabled the account. Existing accounts start at generation 0,
-- which is what tokens issued before this release imply.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
