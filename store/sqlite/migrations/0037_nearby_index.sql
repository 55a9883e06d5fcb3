-- The reports near a new one (FindNearby: the duplicates a resident sees before filing) from an
-- index of the open tickets by category and place.
--
-- Measured through the API (bench/run.sh, GET /v1/tickets/nearby at 20/s): p99 5 ms at 100,000
-- tickets, 55 ms at 1,000,000. The query read tickets_lat_lng (lat, lng): the whole latitude band
-- of the box across the city, the longitude checked in the index, then every ticket in the box —
-- closed and old ones, of every category — from the table to check its state, category and age.
-- Those are the only tickets the query wants, so the index now holds only the open ones (the
-- condition of the queue's partial indexes, written as FindNearby writes it), by category first,
-- with the filing time to check the age in the index. tickets_lat_lng served nothing else.
DROP INDEX tickets_lat_lng;
CREATE INDEX tickets_open_nearby ON tickets (category, lat, lng, created_at)
    WHERE state IN ('received', 'assigned', 'in_progress', 'awaiting_info');
