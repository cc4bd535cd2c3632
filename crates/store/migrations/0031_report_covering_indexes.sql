-- The work report over many millions of appeals (issue 15): its counts of appeals received
-- and settled in a year read only these indexes, never the table — the status, category,
-- handling level and path they test are in the index beside the time they range over.
DROP INDEX appeals_created;
CREATE INDEX appeals_created ON appeals (created_at, status, path);
DROP INDEX appeals_resolved;
CREATE INDEX appeals_resolved ON appeals (resolved_at, category_code, status, handler_level, path);
-- What is open now under a place (the dashboard's live counts): equality on `is_open` and
-- a range of handlers in one index that holds `overdue` too, so both counts read the open
-- appeals' entries alone however many millions are closed.
CREATE INDEX appeals_open_handler ON appeals (is_open, handler_path, overdue);
