-- Every code sent to a phone stays valid until its own expiry, so that someone else asking for
-- codes for the phone cannot break the code its owner is typing. earlier_codes lists the codes
-- sent before the pending one that were unexpired when it was stored, oldest first, as a JSON
-- array of {"hash": text, "expires_at": unix milliseconds}; at most models.MaxOTPCodes - 1.
ALTER TABLE otp_challenges ADD COLUMN earlier_codes TEXT NOT NULL DEFAULT '[]';
