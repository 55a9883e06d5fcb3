-- The audit log becomes a hash chain: every record carries its sequence number, the hash of the
-- record before it and its own hash (models.AuditChainHash). Records written before this
-- release are chained once by the Go step of this migration (chainAuditLog), in (at, id) order.
-- seq is NULL only until then; NULLs do not collide in the unique index.
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_subject ON audit_log (subject_id, at, id);

-- Second factor of officials: the encrypted TOTP secret once confirmed, the one being enrolled,
-- and the hashes of the unused recovery codes (space-separated). Empty: no second factor.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '';
