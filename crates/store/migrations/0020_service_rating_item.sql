-- A rating keeps the item of the ticket it rates ('' for a consultation), as its rollup row
-- does, so the edges of a period count ratings by item without reading their tickets.
ALTER TABLE service_ratings ADD COLUMN item TEXT NOT NULL DEFAULT '';
UPDATE service_ratings SET item = COALESCE((SELECT k.item FROM service_tickets k WHERE k.id = service_ratings.ticket_id), '');
DROP INDEX service_ratings_at;
CREATE INDEX service_ratings_at ON service_ratings (at, path, item, level)
