-- The desk reads its lists and figures without counting a year of tickets (issue 12's 50 ms
-- at a million tickets).
--
-- desk_order: one text key per ticket that sorts the desk as people work it: open tickets by
-- deadline, then those waiting for materials by when they came, then closed ones newest
-- first; written with every change of status or deadline (see `service::tickets::desk_order`).
ALTER TABLE service_tickets ADD COLUMN desk_order TEXT NOT NULL DEFAULT '';
-- The desk walks these in order and filters by place (and status) inside the index.
CREATE INDEX service_tickets_desk ON service_tickets (desk_order, path, status);
-- The open tickets alone (a few in a hundred): in desk order for the lists, by place for
-- the counts (open, mine, overdue within a period), each with what its filters read.
CREATE INDEX service_tickets_open ON service_tickets (desk_order, path, handler_id, receiver_id, due_at, received_at)
    WHERE status NOT IN ('completed', 'refused');
CREATE INDEX service_tickets_open_path ON service_tickets (path, due_at, received_at, handler_id, receiver_id)
    WHERE status NOT IN ('completed', 'refused');
-- The edges of a period (a few days) are read from the records by time; with what they count
-- in the index, a district's three weeks (50,000 tickets) are read without touching the rows.
DROP INDEX service_tickets_received;
CREATE INDEX service_tickets_received ON service_tickets (received_at, path, item, status, due_at, closed_at, outside_hours);
CREATE INDEX service_tickets_point_order ON service_tickets (point_id, desk_order);

-- Monthly counts per point and item, written in the same transaction as the ticket or rating
-- they count. Tickets count in the month (Beijing) they were received, with their outcome
-- added when they close; ratings in the month they were given (item '' for a consultation).
-- Figures for whole months read these; the days at the edges of a period read the records.
-- Keyed by the point's place first, so a subtree's rows are one range read in the order the
-- figures group them (no sort).
CREATE TABLE service_rollups (
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    item TEXT NOT NULL,
    month {date} NOT NULL,
    path {path} NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    completed BIGINT NOT NULL DEFAULT 0,
    completed_on_time BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    outside_hours BIGINT NOT NULL DEFAULT 0,
    ratings BIGINT NOT NULL DEFAULT 0,
    very_satisfied BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    basically_satisfied BIGINT NOT NULL DEFAULT 0,
    dissatisfied BIGINT NOT NULL DEFAULT 0,
    very_dissatisfied BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, item, month)
) {without_rowid};
-- Bad ratings alone, for the follow-up counts; those still being followed up, in due order.
CREATE INDEX service_ratings_bad ON service_ratings (path, at, follow_up_closed_at, real_name)
    WHERE level IN ('dissatisfied', 'very_dissatisfied');
CREATE INDEX service_ratings_follow_up ON service_ratings (follow_up_due, path)
    WHERE follow_up_due IS NOT NULL AND follow_up_closed_at IS NULL;
-- Ratings by time, for the edges of a period.
CREATE INDEX service_ratings_at ON service_ratings (at)
