-- The code sent before a phone's pending one stays valid until it expires, so that someone else
-- asking for a code for the phone cannot break the code its owner is typing. Empty and NULL when
-- there is none.
ALTER TABLE otp_challenges ADD COLUMN prev_code_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE otp_challenges ADD COLUMN prev_expires_at INTEGER;
