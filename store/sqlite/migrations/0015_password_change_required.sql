-- A password someone else chose (the first administrator's generated one) must be changed at the
-- next sign-in; accounts of earlier releases chose their own.
ALTER TABLE users ADD COLUMN password_change_required INTEGER NOT NULL DEFAULT 0;
