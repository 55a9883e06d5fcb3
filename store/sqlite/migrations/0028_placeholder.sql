-- Placeholder for version 28, taken by another change developed at the same time (the
-- reporting channel of tickets and facts). Migration versions must have no gaps, so this file
-- keeps 0029 applicable on its own; whichever 0028 is merged replaces it.
SELECT 1;
