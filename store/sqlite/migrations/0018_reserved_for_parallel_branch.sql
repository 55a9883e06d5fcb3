-- Placeholder so that 0019 (catalog administration) applies on this branch: version 0018 is
-- another branch's migration. Delete this file when the branches are merged and renumbered.
SELECT 1;
