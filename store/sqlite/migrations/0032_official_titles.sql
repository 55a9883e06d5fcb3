-- Officials' positions ("Phó Trưởng Công an phường"), shown with their names where colleagues and
-- the IOC see who acted; empty for residents and for officials created before.
ALTER TABLE users ADD COLUMN title TEXT NOT NULL DEFAULT '';
